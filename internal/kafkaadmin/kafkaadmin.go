// Package kafkaadmin creates Kafka topics through the cluster's controller,
// for the integration tests and the benchmark programs.
package kafkaadmin

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/segmentio/kafka-go"
)

// CreateTopics creates topics through the controller that broker names. A
// topic that already exists is not an error.
func CreateTopics(broker string, topics ...kafka.TopicConfig) error {
	conn, err := kafka.Dial("tcp", broker)
	if err != nil {
		return fmt.Errorf("kafka %s: %w", broker, err)
	}
	defer conn.Close()
	ctrl, err := conn.Controller()
	if err != nil {
		return fmt.Errorf("kafka controller: %w", err)
	}
	cc, err := kafka.Dial("tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
	if err != nil {
		return fmt.Errorf("kafka controller: %w", err)
	}
	defer cc.Close()
	for _, t := range topics {
		if err := cc.CreateTopics(t); err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			return fmt.Errorf("create topic %s: %w", t.Topic, err)
		}
	}
	return nil
}
