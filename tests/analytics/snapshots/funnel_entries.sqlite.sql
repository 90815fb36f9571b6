SELECT
  "t12"."segment",
  COUNT("t12"."person_id") FILTER(WHERE
    (
      "t12"."reach_lead" >= '2026-01-01 00:00:00'
    )
    AND (
      "t12"."reach_lead" < '2026-04-01 00:00:00'
    )) AS "entered_lead",
  COUNT("t12"."person_id") FILTER(WHERE
    (
      "t12"."reach_lead" >= '2026-01-01 00:00:00'
    )
    AND (
      "t12"."reach_lead" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t12"."first_lead" IS NULL
      ) OR (
        "t12"."first_lead" > "t12"."reach_lead"
      )
    )) AS "skipped_lead",
  COUNT("t12"."person_id") FILTER(WHERE
    (
      "t12"."reach_mql" >= '2026-01-01 00:00:00'
    )
    AND (
      "t12"."reach_mql" < '2026-04-01 00:00:00'
    )) AS "entered_mql",
  COUNT("t12"."person_id") FILTER(WHERE
    (
      "t12"."reach_mql" >= '2026-01-01 00:00:00'
    )
    AND (
      "t12"."reach_mql" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t12"."first_mql" IS NULL
      ) OR (
        "t12"."first_mql" > "t12"."reach_mql"
      )
    )) AS "skipped_mql",
  COUNT("t12"."person_id") FILTER(WHERE
    (
      "t12"."reach_sal" >= '2026-01-01 00:00:00'
    )
    AND (
      "t12"."reach_sal" < '2026-04-01 00:00:00'
    )) AS "entered_sal",
  COUNT("t12"."person_id") FILTER(WHERE
    (
      "t12"."reach_sal" >= '2026-01-01 00:00:00'
    )
    AND (
      "t12"."reach_sal" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t12"."first_sal" IS NULL
      ) OR (
        "t12"."first_sal" > "t12"."reach_sal"
      )
    )) AS "skipped_sal",
  COUNT("t12"."person_id") FILTER(WHERE
    (
      "t12"."reach_sql" >= '2026-01-01 00:00:00'
    )
    AND (
      "t12"."reach_sql" < '2026-04-01 00:00:00'
    )) AS "entered_sql",
  COUNT("t12"."person_id") FILTER(WHERE
    (
      "t12"."reach_sql" >= '2026-01-01 00:00:00'
    )
    AND (
      "t12"."reach_sql" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t12"."first_sql" IS NULL
      ) OR (
        "t12"."first_sql" > "t12"."reach_sql"
      )
    )) AS "skipped_sql",
  COUNT("t12"."person_id") FILTER(WHERE
    (
      "t12"."reach_opportunity" >= '2026-01-01 00:00:00'
    )
    AND (
      "t12"."reach_opportunity" < '2026-04-01 00:00:00'
    )) AS "entered_opportunity",
  COUNT("t12"."person_id") FILTER(WHERE
    (
      "t12"."reach_opportunity" >= '2026-01-01 00:00:00'
    )
    AND (
      "t12"."reach_opportunity" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t12"."first_opportunity" IS NULL
      )
      OR (
        "t12"."first_opportunity" > "t12"."reach_opportunity"
      )
    )) AS "skipped_opportunity",
  COUNT("t12"."person_id") FILTER(WHERE
    (
      "t12"."reach_customer" >= '2026-01-01 00:00:00'
    )
    AND (
      "t12"."reach_customer" < '2026-04-01 00:00:00'
    )) AS "entered_customer",
  COUNT("t12"."person_id") FILTER(WHERE
    (
      "t12"."reach_customer" >= '2026-01-01 00:00:00'
    )
    AND (
      "t12"."reach_customer" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t12"."first_customer" IS NULL
      )
      OR (
        "t12"."first_customer" > "t12"."reach_customer"
      )
    )) AS "skipped_customer"
FROM (
  SELECT
    "t11"."person_id",
    "t11"."created_at",
    "t11"."stage",
    "t11"."stage_entered_at",
    "t11"."sourced_by",
    "t11"."segment",
    "t11"."first_lead",
    "t11"."exit_lead",
    "t11"."first_mql",
    "t11"."exit_mql",
    "t11"."first_sal",
    "t11"."exit_sal",
    "t11"."first_sql",
    "t11"."exit_sql",
    "t11"."first_opportunity",
    "t11"."exit_opportunity",
    "t11"."first_customer",
    "t11"."reach_customer",
    "t11"."reach_lead",
    "t11"."reach_mql",
    "t11"."reach_sal",
    "t11"."reach_sql",
    "t11"."reach_opportunity"
  FROM (
    SELECT
      "t3"."id" AS "person_id",
      "t3"."created_at",
      "t3"."stage",
      "t3"."stage_entered_at",
      COALESCE("t3"."sourced_by", '(none)') AS "sourced_by",
      COALESCE("t6"."a_segment", '(none)') AS "segment",
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
      "t10"."reach_customer",
      "t10"."reach_lead",
      "t10"."reach_mql",
      "t10"."reach_sal",
      "t10"."reach_sql",
      "t10"."reach_opportunity"
    FROM "persons" AS "t3"
    LEFT OUTER JOIN (
      SELECT
        "t1"."id" AS "a_id",
        "t1"."segment" AS "a_segment"
      FROM "accounts" AS "t1"
    ) AS "t6"
      ON "t3"."account_id" = "t6"."a_id"
    LEFT OUTER JOIN (
      SELECT
        "t8"."r_person",
        "t8"."first_lead",
        "t8"."exit_lead",
        "t8"."first_mql",
        "t8"."exit_mql",
        "t8"."first_sal",
        "t8"."exit_sal",
        "t8"."first_sql",
        "t8"."exit_sql",
        "t8"."first_opportunity",
        "t8"."exit_opportunity",
        "t8"."first_customer",
        "t8"."first_customer" AS "reach_customer",
        NULLIF(
          MIN(
            COALESCE("t8"."first_lead", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_mql", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_sal", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_sql", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_lead",
        NULLIF(
          MIN(
            COALESCE("t8"."first_mql", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_sal", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_sql", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_mql",
        NULLIF(
          MIN(
            COALESCE("t8"."first_sal", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_sql", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_sal",
        NULLIF(
          MIN(
            COALESCE("t8"."first_sql", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_sql",
        NULLIF(
          MIN(
            COALESCE("t8"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t8"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_opportunity"
      FROM (
        SELECT
          "t7"."person_id" AS "r_person",
          MIN("t7"."at") FILTER(WHERE
            "t7"."to_stage" = 'lead') AS "first_lead",
          MIN("t7"."next_at") FILTER(WHERE
            "t7"."to_stage" = 'lead') AS "exit_lead",
          MIN("t7"."at") FILTER(WHERE
            "t7"."to_stage" = 'mql') AS "first_mql",
          MIN("t7"."next_at") FILTER(WHERE
            "t7"."to_stage" = 'mql') AS "exit_mql",
          MIN("t7"."at") FILTER(WHERE
            "t7"."to_stage" = 'sal') AS "first_sal",
          MIN("t7"."next_at") FILTER(WHERE
            "t7"."to_stage" = 'sal') AS "exit_sal",
          MIN("t7"."at") FILTER(WHERE
            "t7"."to_stage" = 'sql') AS "first_sql",
          MIN("t7"."next_at") FILTER(WHERE
            "t7"."to_stage" = 'sql') AS "exit_sql",
          MIN("t7"."at") FILTER(WHERE
            "t7"."to_stage" = 'opportunity') AS "first_opportunity",
          MIN("t7"."next_at") FILTER(WHERE
            "t7"."to_stage" = 'opportunity') AS "exit_opportunity",
          MIN("t7"."at") FILTER(WHERE
            "t7"."to_stage" = 'customer') AS "first_customer"
        FROM (
          SELECT
            "t5"."id",
            "t5"."person_id",
            "t5"."to_stage",
            "t5"."at",
            LEAD("t5"."at") OVER (
              PARTITION BY "t5"."person_id"
              ORDER BY "t5"."at" ASC, "t5"."id" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
            ) AS "next_at"
          FROM (
            SELECT
              "t2"."id",
              "t2"."person_id",
              "t2"."to_stage",
              "t2"."at"
            FROM "stage_changes" AS "t2"
          ) AS "t5"
        ) AS "t7"
        GROUP BY
          1
      ) AS "t8"
    ) AS "t10"
      ON "t3"."id" = "t10"."r_person"
  ) AS "t11"
) AS "t12"
GROUP BY
  1
