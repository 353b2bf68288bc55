-- A version of each table's contents, for answers kept until their tables
-- change (see tableVersions): every insert makes a part with a new, higher
-- block number (merges keep the highest), and a rebuilt table swapped in
-- has parts with other modification times. A table without parts (empty)
-- has no row.
SELECT table, concat(toString(max(max_block_number)), '/', toString(count()), '/', toString(sum(rows)), '/',
    toString(toUInt32(max(modification_time))))
FROM system.parts
WHERE database = currentDatabase() AND active
GROUP BY table
