-- The sort key {{cut}} of the last row of a feedback_list page (the row at
-- the offset ?, counted from 0, in the order {{order}}, a prefix of the
-- page's order): feedback_list then keeps only rows at or before it in
-- that order, so it reads its id columns for those rows alone.
SELECT {{cut}}
FROM feedback_index
WHERE {{where}}
ORDER BY {{order}}
LIMIT ?, 1
