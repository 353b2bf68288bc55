# The two commands of README.md.
.PHONY: run test down

run:  ## start Kafka, ClickHouse and dvpulse with demo data; prints the dashboard URL
	deploy/local/run.sh

test: ## run every test against real Kafka and ClickHouse (started when needed)
	deploy/local/test.sh

down: ## stop what run/test started
	deploy/local/down.sh
