package ingest

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPI is the OpenAPI 3.0 document of the ingest API, served at
// GET /v1/openapi.json. TestOpenAPIMatchesServer keeps it and the server in
// step.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the embedded OpenAPI document.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

func (s *Server) getOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPI)
}
