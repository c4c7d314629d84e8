SELECT *
FROM {{ df_1 }}
