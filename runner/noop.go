package runner

import (
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
)

// NoOp is the status of a node build passes over, running nothing: an
// exposure or a saved query, as dbt 1.10's NoOpRunner reports them.
const NoOp Status = "no-op"

// IsNoOp reports whether n is a node build only reports (NoOp): an
// exposure or a saved query.
func IsNoOp(n *compiler.Node) bool {
	return n != nil && (n.ResourceType == project.ExposureType || n.ResourceType == project.SavedQuery)
}
