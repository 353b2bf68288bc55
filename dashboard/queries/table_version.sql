-- A version of one table's contents, for answers kept until the table
-- changes (see snapshotCache): every insert makes a part with a new, higher
-- block number (merges keep the highest), and a rebuilt table swapped in
-- has parts with other modification times.
SELECT concat(toString(max(max_block_number)), '/', toString(count()), '/', toString(sum(rows)), '/',
    toString(toUInt32(max(modification_time))))
FROM system.parts
WHERE database = currentDatabase() AND table = ? AND active
