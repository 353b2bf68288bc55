package deps

import (
	_ "github.com/ClickHouse/clickhouse-go/v2"
	_ "github.com/gin-gonic/gin"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/segmentio/kafka-go"
	_ "golang.org/x/text/unicode/norm"
)
