package main

import (
	"net/http"
	"strings"
	"time"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/integrations/httpapi"
)

// Upper bounds of the reported execution time (seconds) and cost (dollars).
const (
	maxExecutionSeconds = 86400
	maxCost             = 1000
)

// commandRequest is the body of POST /api/v1/commands/templates/{id}/execute/.
type commandRequest struct {
	Name  string `json:"name"`
	Fail  bool   `json:"fail"`
	Error string `json:"error"`
	// ExecutionTime (seconds) and Cost (dollars) are what the simulated run
	// reports. Defaults: the measured time of the simulation, and 0.
	ExecutionTime *float64 `json:"execution_time"`
	Cost          *float64 `json:"cost"`
}

func (req *commandRequest) validate() map[string]string {
	fields := map[string]string{}
	if strings.TrimSpace(req.Name) == "" {
		fields["name"] = "is required"
	}
	checkText(fields, "name", req.Name, maxNameLength)
	checkText(fields, "error", req.Error, maxErrorLength)
	if req.Error != "" && !req.Fail {
		fields["error"] = "is allowed only with \"fail\": true"
	}
	checkAmount(fields, "execution_time", req.ExecutionTime, maxExecutionSeconds)
	checkAmount(fields, "cost", req.Cost, maxCost)

	return fields
}

// commandResponse is the result of a simulated command run.
type commandResponse struct {
	CommandID     string   `json:"command_id"`
	CommandName   string   `json:"command_name"`
	ExecutionID   string   `json:"execution_id"`
	Status        string   `json:"status"`
	UserID        string   `json:"user_id"`
	ResultSummary string   `json:"result_summary"`
	ExecutionTime float64  `json:"execution_time"`
	Cost          float64  `json:"cost"`
	Error         *string  `json:"error"`
	DeliveryIDs   []string `json:"delivery_ids"`
}

// executeCommand runs a simulated command for the caller and dispatches
// command.executed. The command does no work: it succeeds unless the body
// sets "fail".
func (h *host) executeCommand(w http.ResponseWriter, r *http.Request, p httpapi.Principal) {
	var req commandRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if fields := req.validate(); len(fields) > 0 {
		writeInvalid(w, fields)
		return
	}

	res := simulateCommand(r.PathValue("id"), p.UserID, req)
	ids, err := h.d.CommandExecuted(r.Context(), res)
	if err != nil {
		h.dispatchFailed(w, r, err, "event_type", integrations.EventCommandExecuted, "execution_id", res.ExecutionID)
		return
	}
	out := commandResponse{
		CommandID: res.CommandID, CommandName: res.CommandName, ExecutionID: res.ExecutionID,
		Status: res.Status, UserID: res.UserID, ResultSummary: res.Summary(),
		ExecutionTime: res.ExecutionTime.Seconds(), Cost: res.Cost, DeliveryIDs: nonNil(ids),
	}
	if res.Error != "" {
		out.Error = &res.Error
	}
	writeJSON(w, http.StatusOK, out)
}

// simulateCommand builds the result of one run of command templateID.
func simulateCommand(templateID, userID string, req commandRequest) integrations.CommandResult {
	start := time.Now()
	res := integrations.CommandResult{
		CommandID:   templateID,
		CommandName: req.Name,
		ExecutionID: newExecutionID(),
		UserID:      userID,
		Status:      integrations.StatusSuccess,
	}
	if req.Fail {
		res.Status = integrations.StatusFailed
		res.Error = req.Error
		if res.Error == "" {
			res.Error = "simulated failure"
		}
	}
	res.ExecutionTime = time.Since(start)
	if req.ExecutionTime != nil {
		res.ExecutionTime = time.Duration(*req.ExecutionTime * float64(time.Second))
	}
	if req.Cost != nil {
		res.Cost = *req.Cost
	}

	return res
}

// workflowRequest is the body of POST /api/v1/workflows/{id}/execute/.
type workflowRequest struct {
	Name         string `json:"name"`
	Status       string `json:"status"`
	ErrorMessage string `json:"error_message"`
}

func (req *workflowRequest) validate() map[string]string {
	fields := map[string]string{}
	if strings.TrimSpace(req.Name) == "" {
		fields["name"] = "is required"
	}
	checkText(fields, "name", req.Name, maxNameLength)
	if req.Status != integrations.StatusCompleted && req.Status != integrations.StatusFailed {
		fields["status"] = "must be \"completed\" or \"failed\""
	}
	checkText(fields, "error_message", req.ErrorMessage, maxErrorLength)
	if req.ErrorMessage != "" && req.Status != integrations.StatusFailed {
		fields["error_message"] = "is allowed only with \"status\": \"failed\""
	}

	return fields
}

// workflowResponse is the result of a simulated workflow run.
type workflowResponse struct {
	WorkflowID   string   `json:"workflow_id"`
	WorkflowName string   `json:"workflow_name"`
	ExecutionID  string   `json:"execution_id"`
	Status       string   `json:"status"`
	UserID       string   `json:"user_id"`
	ErrorMessage *string  `json:"error_message"`
	DeliveryIDs  []string `json:"delivery_ids"`
}

// executeWorkflow records a simulated workflow run for the caller, ending
// in the requested status, and dispatches workflow.completed.
func (h *host) executeWorkflow(w http.ResponseWriter, r *http.Request, p httpapi.Principal) {
	var req workflowRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if fields := req.validate(); len(fields) > 0 {
		writeInvalid(w, fields)
		return
	}

	run := integrations.WorkflowRun{
		WorkflowID:   r.PathValue("id"),
		WorkflowName: req.Name,
		Status:       req.Status,
		ExecutionID:  newExecutionID(),
		UserID:       p.UserID,
		ErrorMessage: req.ErrorMessage,
	}
	ids, err := h.d.WorkflowCompleted(r.Context(), run)
	if err != nil {
		h.dispatchFailed(w, r, err, "event_type", integrations.EventWorkflowCompleted, "execution_id", run.ExecutionID)
		return
	}
	out := workflowResponse{
		WorkflowID: run.WorkflowID, WorkflowName: run.WorkflowName, ExecutionID: run.ExecutionID,
		Status: run.Status, UserID: run.UserID, DeliveryIDs: nonNil(ids),
	}
	if run.Status == integrations.StatusFailed && run.ErrorMessage != "" {
		out.ErrorMessage = &run.ErrorMessage
	}
	writeJSON(w, http.StatusOK, out)
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}

	return ids
}
