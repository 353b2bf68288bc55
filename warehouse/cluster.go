package warehouse

import (
	"fmt"
	"regexp"
	"strings"
)

// Cluster mode. The migrations are written for one server. With
// --clickhouse-cluster NAME, ClusterStatements rewrites each statement for a
// ClickHouse cluster (ReplicatedMergeTree through ZooKeeper, as 18.16 does
// it), so that the same .sql files serve both:
//
//   - CREATE TABLE t (…) ENGINE = XMergeTree(args) becomes the local table
//     t_local ON CLUSTER NAME with ENGINE =
//     ReplicatedXMergeTree('/clickhouse/tables/{shard}/dvpulse/t', '{replica}', args),
//     plus a Distributed table t ON CLUSTER NAME AS t_local, so that every
//     query and insert keeps using the name t. Tables with a kafka_partition
//     column (events, dead_letters) are sharded by it: one Kafka partition's
//     rows live on one shard, so a projector insert split across shards is
//     still atomic per partition, which is what the stored offsets need.
//     Other tables are filled by materialized views on each shard; their
//     Distributed table is for reading (sharding key rand()).
//   - Other engines (Memory, Log, …) only gain ON CLUSTER NAME.
//   - CREATE MATERIALIZED VIEW v TO t AS SELECT … FROM s gains ON CLUSTER
//     and reads and writes the local tables (TO t_local, FROM s_local), so
//     each shard projects the events it stores.
//   - ALTER TABLE t and DROP TABLE t apply to both t_local and t.
//
// Any other statement is an error, so that a migration author learns that
// cluster mode needs a rule for it.

var (
	engineRe    = regexp.MustCompile(`(?is)\bENGINE\s*=\s*([A-Za-z]+MergeTree|[A-Za-z]+)\s*(\()?`)
	alterRe     = regexp.MustCompile(`(?is)^\s*ALTER\s+TABLE\s+([A-Za-z_][A-Za-z0-9_]*)\s+(.*)$`)
	dropTblRe   = regexp.MustCompile(`(?is)^\s*DROP\s+TABLE\s+(IF\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*$`)
	identAtRe   = regexp.MustCompile(`(?is)\b(FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)\b`)
	partColRe   = regexp.MustCompile(`(?m)^\s*kafka_partition\s+Int32`)
	createMVRe2 = regexp.MustCompile(`(?is)^\s*CREATE\s+MATERIALIZED\s+VIEW\s+(IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)\s+TO\s+([A-Za-z_][A-Za-z0-9_]*)\s+AS\s+(.*)$`)
)

// LocalSuffix names the per-shard table behind a Distributed table.
const LocalSuffix = "_local"

// ClusterStatements rewrites single-node statements for cluster. An empty
// cluster returns stmts unchanged.
func ClusterStatements(stmts []string, cluster string) ([]string, error) {
	return NewClusterRewriter(cluster).Rewrite(stmts)
}

// ClusterRewriter rewrites statements for a cluster, remembering across
// calls which tables it made Replicated + Distributed (so that a later
// migration's views and ALTERs find their _local tables). Feed it every
// migration in order, applied or not.
type ClusterRewriter struct {
	cluster    string
	replicated map[string]bool // tables that have a _local twin
}

// NewClusterRewriter returns a rewriter for cluster ("" = single node).
func NewClusterRewriter(cluster string) *ClusterRewriter {
	return &ClusterRewriter{cluster: cluster, replicated: map[string]bool{}}
}

// Rewrite rewrites stmts; see ClusterStatements.
func (r *ClusterRewriter) Rewrite(stmts []string) ([]string, error) {
	cluster := r.cluster
	if cluster == "" {
		return stmts, nil
	}
	if !identRe.MatchString(cluster) {
		return nil, fmt.Errorf("clickhouse-cluster: %q is not a plain identifier", cluster)
	}
	on := " ON CLUSTER " + cluster
	replicated := r.replicated
	var out []string
	for i, st := range stmts {
		if g := createTableRe.FindStringSubmatchIndex(st); g != nil {
			name := st[g[2]:g[3]]
			body := strings.TrimLeft(st[g[3]:], " \t\n") // "(cols) ENGINE = …"
			e := engineRe.FindStringSubmatchIndex(body)
			if e == nil {
				return nil, fmt.Errorf("statement %d: CREATE TABLE %s has no ENGINE", i+1, name)
			}
			engine := body[e[2]:e[3]]
			if !strings.HasSuffix(engine, "MergeTree") {
				out = append(out, "CREATE TABLE IF NOT EXISTS "+name+on+" "+body)
				continue
			}
			if strings.HasPrefix(engine, "Replicated") {
				return nil, fmt.Errorf("statement %d: %s is already Replicated; migrations must be written for one server", i+1, name)
			}
			var args string
			rest := body[e[1]:]
			if e[4] >= 0 { // engine has parentheses
				end := matchParen(body, e[4])
				if end < 0 {
					return nil, fmt.Errorf("statement %d: unbalanced parentheses in the ENGINE of %s", i+1, name)
				}
				args = strings.TrimSpace(body[e[4]+1 : end])
				rest = body[end+1:]
			}
			zk := fmt.Sprintf("'/clickhouse/tables/{shard}/dvpulse/%s', '{replica}'", name)
			if args != "" {
				zk += ", " + args
			}
			local := name + LocalSuffix
			out = append(out, "CREATE TABLE IF NOT EXISTS "+local+on+" "+body[:e[0]]+"ENGINE = Replicated"+engine+"("+zk+")"+rest)
			key := "rand()"
			if partColRe.MatchString(body) {
				key = "kafka_partition"
			}
			out = append(out, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s%s AS %s ENGINE = Distributed(%s, currentDatabase(), %s, %s)", name, on, local, cluster, local, key))
			replicated[name] = true
			continue
		}
		if g := createMVRe2.FindStringSubmatch(st); g != nil {
			target := g[3]
			if replicated[target] {
				target += LocalSuffix
			}
			sel := identAtRe.ReplaceAllStringFunc(g[4], func(m string) string {
				s := identAtRe.FindStringSubmatch(m)
				if replicated[s[2]] {
					return s[1] + " " + s[2] + LocalSuffix
				}
				return m
			})
			out = append(out, "CREATE MATERIALIZED VIEW IF NOT EXISTS "+g[2]+on+" TO "+target+" AS "+sel)
			continue
		}
		if g := alterRe.FindStringSubmatch(st); g != nil {
			if replicated[g[1]] {
				out = append(out, "ALTER TABLE "+g[1]+LocalSuffix+on+" "+g[2])
			}
			out = append(out, "ALTER TABLE "+g[1]+on+" "+g[2])
			continue
		}
		if g := dropTblRe.FindStringSubmatch(st); g != nil {
			out = append(out, "DROP TABLE IF EXISTS "+g[2]+on)
			if replicated[g[2]] {
				out = append(out, "DROP TABLE IF EXISTS "+g[2]+LocalSuffix+on)
				delete(replicated, g[2])
			}
			continue
		}
		return nil, fmt.Errorf("statement %d: cluster mode has no rule for %q", i+1, firstWords(st))
	}
	return out, nil
}

// matchParen returns the index of the parenthesis closing the one at open.
func matchParen(s string, open int) int {
	depth := 0
	inQuote := false
	for i := open; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' && (i == 0 || s[i-1] != '\\'):
			inQuote = !inQuote
		case inQuote:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 4 {
		f = f[:4]
	}
	return strings.Join(f, " ")
}
