SELECT
  "t18"."segment",
  "t18"."from_stage",
  "t18"."to_stage",
  "t18"."minutes",
  COUNT(*) AS "n"
FROM (
  SELECT
    "t17"."segment",
    "t17"."lf_from_stage" AS "from_stage",
    "t17"."lf_to_stage" AS "to_stage",
    CASE
      WHEN "t17"."lf_part" = 0
      THEN CASE
        WHEN (
          "t17"."reach_mql" IS NOT NULL
        )
        AND (
          "t17"."reach_mql" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t17"."reach_mql") AS INTEGER) - CAST(STRFTIME('%s', "t17"."reach_lead") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t17"."lf_part" = 1
      THEN CASE
        WHEN (
          "t17"."reach_sal" IS NOT NULL
        )
        AND (
          "t17"."reach_sal" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t17"."reach_sal") AS INTEGER) - CAST(STRFTIME('%s', "t17"."reach_mql") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t17"."lf_part" = 2
      THEN CASE
        WHEN (
          "t17"."reach_sql" IS NOT NULL
        )
        AND (
          "t17"."reach_sql" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t17"."reach_sql") AS INTEGER) - CAST(STRFTIME('%s', "t17"."reach_sal") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t17"."lf_part" = 3
      THEN CASE
        WHEN (
          "t17"."reach_opportunity" IS NOT NULL
        )
        AND (
          "t17"."reach_opportunity" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t17"."reach_opportunity") AS INTEGER) - CAST(STRFTIME('%s', "t17"."reach_sql") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t17"."lf_part" = 4
      THEN CASE
        WHEN (
          "t17"."reach_customer" IS NOT NULL
        )
        AND (
          "t17"."reach_customer" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t17"."reach_customer") AS INTEGER) - CAST(STRFTIME('%s', "t17"."reach_opportunity") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t17"."lf_part" = 5
      THEN CASE
        WHEN (
          "t17"."reach_customer" IS NOT NULL
        )
        AND (
          "t17"."reach_customer" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t17"."reach_customer") AS INTEGER) - CAST(STRFTIME('%s', "t17"."reach_lead") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t17"."lf_part" = 6
      THEN CASE
        WHEN (
          "t17"."reach_customer" IS NOT NULL
        )
        AND (
          "t17"."reach_customer" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t17"."reach_customer") AS INTEGER) - CAST(STRFTIME('%s', "t17"."reach_mql") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t17"."lf_part" = 7
      THEN CASE
        WHEN (
          "t17"."reach_customer" IS NOT NULL
        )
        AND (
          "t17"."reach_customer" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t17"."reach_customer") AS INTEGER) - CAST(STRFTIME('%s', "t17"."reach_sal") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t17"."lf_part" = 8
      THEN CASE
        WHEN (
          "t17"."reach_customer" IS NOT NULL
        )
        AND (
          "t17"."reach_customer" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t17"."reach_customer") AS INTEGER) - CAST(STRFTIME('%s', "t17"."reach_sql") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      ELSE NULL
    END AS "minutes"
  FROM (
    SELECT
      "t16"."person_id",
      "t16"."created_at",
      "t16"."stage",
      "t16"."stage_entered_at",
      "t16"."sourced_by",
      "t16"."segment",
      "t16"."first_lead",
      "t16"."exit_lead",
      "t16"."first_mql",
      "t16"."exit_mql",
      "t16"."first_sal",
      "t16"."exit_sal",
      "t16"."first_sql",
      "t16"."exit_sql",
      "t16"."first_opportunity",
      "t16"."exit_opportunity",
      "t16"."first_customer",
      "t16"."reach_customer",
      "t16"."reach_lead",
      "t16"."reach_mql",
      "t16"."reach_sal",
      "t16"."reach_sql",
      "t16"."reach_opportunity",
      "t4"."lf_part",
      "t4"."lf_from_stage",
      "t4"."lf_to_stage"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "t13"."person_id",
          "t13"."created_at",
          "t13"."stage",
          "t13"."stage_entered_at",
          "t13"."sourced_by",
          "t13"."segment",
          "t13"."first_lead",
          "t13"."exit_lead",
          "t13"."first_mql",
          "t13"."exit_mql",
          "t13"."first_sal",
          "t13"."exit_sal",
          "t13"."first_sql",
          "t13"."exit_sql",
          "t13"."first_opportunity",
          "t13"."exit_opportunity",
          "t13"."first_customer",
          "t13"."reach_customer",
          "t13"."reach_lead",
          "t13"."reach_mql",
          "t13"."reach_sal",
          "t13"."reach_sql",
          "t13"."reach_opportunity"
        FROM (
          SELECT
            "t5"."id" AS "person_id",
            "t5"."created_at",
            "t5"."stage",
            "t5"."stage_entered_at",
            COALESCE("t5"."sourced_by", '(none)') AS "sourced_by",
            COALESCE("t8"."a_segment", '(none)') AS "segment",
            "t12"."r_person",
            "t12"."first_lead",
            "t12"."exit_lead",
            "t12"."first_mql",
            "t12"."exit_mql",
            "t12"."first_sal",
            "t12"."exit_sal",
            "t12"."first_sql",
            "t12"."exit_sql",
            "t12"."first_opportunity",
            "t12"."exit_opportunity",
            "t12"."first_customer",
            "t12"."reach_customer",
            "t12"."reach_lead",
            "t12"."reach_mql",
            "t12"."reach_sal",
            "t12"."reach_sql",
            "t12"."reach_opportunity"
          FROM "persons" AS "t5"
          LEFT OUTER JOIN (
            SELECT
              "t2"."id" AS "a_id",
              "t2"."segment" AS "a_segment"
            FROM "accounts" AS "t2"
          ) AS "t8"
            ON "t5"."account_id" = "t8"."a_id"
          LEFT OUTER JOIN (
            SELECT
              "t10"."r_person",
              "t10"."first_lead",
              "t10"."exit_lead",
              "t10"."first_mql",
              "t10"."exit_mql",
              "t10"."first_sal",
              "t10"."exit_sal",
              "t10"."first_sql",
              "t10"."exit_sql",
              "t10"."first_opportunity",
              "t10"."exit_opportunity",
              "t10"."first_customer",
              "t10"."first_customer" AS "reach_customer",
              NULLIF(
                MIN(
                  COALESCE("t10"."first_lead", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_mql", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_sal", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_sql", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_opportunity", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_customer", '9999-12-31 00:00:00')
                ),
                '9999-12-31 00:00:00'
              ) AS "reach_lead",
              NULLIF(
                MIN(
                  COALESCE("t10"."first_mql", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_sal", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_sql", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_opportunity", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_customer", '9999-12-31 00:00:00')
                ),
                '9999-12-31 00:00:00'
              ) AS "reach_mql",
              NULLIF(
                MIN(
                  COALESCE("t10"."first_sal", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_sql", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_opportunity", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_customer", '9999-12-31 00:00:00')
                ),
                '9999-12-31 00:00:00'
              ) AS "reach_sal",
              NULLIF(
                MIN(
                  COALESCE("t10"."first_sql", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_opportunity", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_customer", '9999-12-31 00:00:00')
                ),
                '9999-12-31 00:00:00'
              ) AS "reach_sql",
              NULLIF(
                MIN(
                  COALESCE("t10"."first_opportunity", '9999-12-31 00:00:00'),
                  COALESCE("t10"."first_customer", '9999-12-31 00:00:00')
                ),
                '9999-12-31 00:00:00'
              ) AS "reach_opportunity"
            FROM (
              SELECT
                "t9"."person_id" AS "r_person",
                MIN("t9"."at") FILTER(WHERE
                  "t9"."to_stage" = 'lead') AS "first_lead",
                MIN("t9"."next_at") FILTER(WHERE
                  "t9"."to_stage" = 'lead') AS "exit_lead",
                MIN("t9"."at") FILTER(WHERE
                  "t9"."to_stage" = 'mql') AS "first_mql",
                MIN("t9"."next_at") FILTER(WHERE
                  "t9"."to_stage" = 'mql') AS "exit_mql",
                MIN("t9"."at") FILTER(WHERE
                  "t9"."to_stage" = 'sal') AS "first_sal",
                MIN("t9"."next_at") FILTER(WHERE
                  "t9"."to_stage" = 'sal') AS "exit_sal",
                MIN("t9"."at") FILTER(WHERE
                  "t9"."to_stage" = 'sql') AS "first_sql",
                MIN("t9"."next_at") FILTER(WHERE
                  "t9"."to_stage" = 'sql') AS "exit_sql",
                MIN("t9"."at") FILTER(WHERE
                  "t9"."to_stage" = 'opportunity') AS "first_opportunity",
                MIN("t9"."next_at") FILTER(WHERE
                  "t9"."to_stage" = 'opportunity') AS "exit_opportunity",
                MIN("t9"."at") FILTER(WHERE
                  "t9"."to_stage" = 'customer') AS "first_customer"
              FROM (
                SELECT
                  "t7"."id",
                  "t7"."person_id",
                  "t7"."to_stage",
                  "t7"."at",
                  LEAD("t7"."at") OVER (
                    PARTITION BY "t7"."person_id"
                    ORDER BY "t7"."at" ASC, "t7"."id" ASC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                  ) AS "next_at"
                FROM (
                  SELECT
                    "t3"."id",
                    "t3"."person_id",
                    "t3"."to_stage",
                    "t3"."at"
                  FROM "stage_changes" AS "t3"
                ) AS "t7"
              ) AS "t9"
              GROUP BY
                1
            ) AS "t10"
          ) AS "t12"
            ON "t5"."id" = "t12"."r_person"
        ) AS "t13"
      ) AS "t14"
      WHERE
        (
          (
            "t14"."reach_lead" >= '2026-01-01 00:00:00'
          )
          AND (
            "t14"."reach_lead" < '2026-04-01 00:00:00'
          )
        )
        OR (
          (
            "t14"."reach_mql" >= '2026-01-01 00:00:00'
          )
          AND (
            "t14"."reach_mql" < '2026-04-01 00:00:00'
          )
        )
        OR (
          (
            "t14"."reach_sal" >= '2026-01-01 00:00:00'
          )
          AND (
            "t14"."reach_sal" < '2026-04-01 00:00:00'
          )
        )
        OR (
          (
            "t14"."reach_sql" >= '2026-01-01 00:00:00'
          )
          AND (
            "t14"."reach_sql" < '2026-04-01 00:00:00'
          )
        )
        OR (
          (
            "t14"."reach_opportunity" >= '2026-01-01 00:00:00'
          )
          AND (
            "t14"."reach_opportunity" < '2026-04-01 00:00:00'
          )
        )
        OR (
          (
            "t14"."reach_lead" >= '2026-01-01 00:00:00'
          )
          AND (
            "t14"."reach_lead" < '2026-04-01 00:00:00'
          )
        )
        OR (
          (
            "t14"."reach_mql" >= '2026-01-01 00:00:00'
          )
          AND (
            "t14"."reach_mql" < '2026-04-01 00:00:00'
          )
        )
        OR (
          (
            "t14"."reach_sal" >= '2026-01-01 00:00:00'
          )
          AND (
            "t14"."reach_sal" < '2026-04-01 00:00:00'
          )
        )
        OR (
          (
            "t14"."reach_sql" >= '2026-01-01 00:00:00'
          )
          AND (
            "t14"."reach_sql" < '2026-04-01 00:00:00'
          )
        )
    ) AS "t16"
    CROSS JOIN "ibis_memtable" AS "t4"
  ) AS "t17"
  WHERE
    CASE
      WHEN "t17"."lf_part" = 0
      THEN (
        "t17"."reach_lead" >= '2026-01-01 00:00:00'
      )
      AND (
        "t17"."reach_lead" < '2026-04-01 00:00:00'
      )
      WHEN "t17"."lf_part" = 1
      THEN (
        "t17"."reach_mql" >= '2026-01-01 00:00:00'
      )
      AND (
        "t17"."reach_mql" < '2026-04-01 00:00:00'
      )
      WHEN "t17"."lf_part" = 2
      THEN (
        "t17"."reach_sal" >= '2026-01-01 00:00:00'
      )
      AND (
        "t17"."reach_sal" < '2026-04-01 00:00:00'
      )
      WHEN "t17"."lf_part" = 3
      THEN (
        "t17"."reach_sql" >= '2026-01-01 00:00:00'
      )
      AND (
        "t17"."reach_sql" < '2026-04-01 00:00:00'
      )
      WHEN "t17"."lf_part" = 4
      THEN (
        "t17"."reach_opportunity" >= '2026-01-01 00:00:00'
      )
      AND (
        "t17"."reach_opportunity" < '2026-04-01 00:00:00'
      )
      WHEN "t17"."lf_part" = 5
      THEN (
        "t17"."reach_lead" >= '2026-01-01 00:00:00'
      )
      AND (
        "t17"."reach_lead" < '2026-04-01 00:00:00'
      )
      WHEN "t17"."lf_part" = 6
      THEN (
        "t17"."reach_mql" >= '2026-01-01 00:00:00'
      )
      AND (
        "t17"."reach_mql" < '2026-04-01 00:00:00'
      )
      WHEN "t17"."lf_part" = 7
      THEN (
        "t17"."reach_sal" >= '2026-01-01 00:00:00'
      )
      AND (
        "t17"."reach_sal" < '2026-04-01 00:00:00'
      )
      WHEN "t17"."lf_part" = 8
      THEN (
        "t17"."reach_sql" >= '2026-01-01 00:00:00'
      )
      AND (
        "t17"."reach_sql" < '2026-04-01 00:00:00'
      )
      ELSE FALSE
    END
) AS "t18"
GROUP BY
  1,
  2,
  3,
  4
