-- The rows whose first value is above one half, with a computed column.
SELECT c0, c1, c2, c3, c4, c0 + c1 AS c01
FROM {{ df_1 }}
WHERE c0 > 0.5
