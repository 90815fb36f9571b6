SELECT
  "t18"."segment",
  COUNT("t18"."person_id") FILTER(WHERE
    (
      "t18"."reach_lead" >= '2026-01-01 00:00:00'
    )
    AND (
      "t18"."reach_lead" < '2026-04-01 00:00:00'
    )) AS "entered_lead",
  COUNT("t18"."person_id") FILTER(WHERE
    (
      "t18"."reach_lead" >= '2026-01-01 00:00:00'
    )
    AND (
      "t18"."reach_lead" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t18"."first_lead" IS NULL
      ) OR (
        "t18"."first_lead" > "t18"."reach_lead"
      )
    )) AS "skipped_lead",
  COUNT("t18"."person_id") FILTER(WHERE
    (
      "t18"."reach_mql" >= '2026-01-01 00:00:00'
    )
    AND (
      "t18"."reach_mql" < '2026-04-01 00:00:00'
    )) AS "entered_mql",
  COUNT("t18"."person_id") FILTER(WHERE
    (
      "t18"."reach_mql" >= '2026-01-01 00:00:00'
    )
    AND (
      "t18"."reach_mql" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t18"."first_mql" IS NULL
      ) OR (
        "t18"."first_mql" > "t18"."reach_mql"
      )
    )) AS "skipped_mql",
  COUNT("t18"."person_id") FILTER(WHERE
    (
      "t18"."reach_sal" >= '2026-01-01 00:00:00'
    )
    AND (
      "t18"."reach_sal" < '2026-04-01 00:00:00'
    )) AS "entered_sal",
  COUNT("t18"."person_id") FILTER(WHERE
    (
      "t18"."reach_sal" >= '2026-01-01 00:00:00'
    )
    AND (
      "t18"."reach_sal" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t18"."first_sal" IS NULL
      ) OR (
        "t18"."first_sal" > "t18"."reach_sal"
      )
    )) AS "skipped_sal",
  COUNT("t18"."person_id") FILTER(WHERE
    (
      "t18"."reach_sql" >= '2026-01-01 00:00:00'
    )
    AND (
      "t18"."reach_sql" < '2026-04-01 00:00:00'
    )) AS "entered_sql",
  COUNT("t18"."person_id") FILTER(WHERE
    (
      "t18"."reach_sql" >= '2026-01-01 00:00:00'
    )
    AND (
      "t18"."reach_sql" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t18"."first_sql" IS NULL
      ) OR (
        "t18"."first_sql" > "t18"."reach_sql"
      )
    )) AS "skipped_sql",
  COUNT("t18"."person_id") FILTER(WHERE
    (
      "t18"."reach_opportunity" >= '2026-01-01 00:00:00'
    )
    AND (
      "t18"."reach_opportunity" < '2026-04-01 00:00:00'
    )) AS "entered_opportunity",
  COUNT("t18"."person_id") FILTER(WHERE
    (
      "t18"."reach_opportunity" >= '2026-01-01 00:00:00'
    )
    AND (
      "t18"."reach_opportunity" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t18"."first_opportunity" IS NULL
      )
      OR (
        "t18"."first_opportunity" > "t18"."reach_opportunity"
      )
    )) AS "skipped_opportunity",
  COUNT("t18"."person_id") FILTER(WHERE
    (
      "t18"."reach_customer" >= '2026-01-01 00:00:00'
    )
    AND (
      "t18"."reach_customer" < '2026-04-01 00:00:00'
    )) AS "entered_customer",
  COUNT("t18"."person_id") FILTER(WHERE
    (
      "t18"."reach_customer" >= '2026-01-01 00:00:00'
    )
    AND (
      "t18"."reach_customer" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t18"."first_customer" IS NULL
      )
      OR (
        "t18"."first_customer" > "t18"."reach_customer"
      )
    )) AS "skipped_customer"
FROM (
  SELECT
    "t17"."person_id",
    "t17"."created_at",
    "t17"."stage",
    "t17"."stage_entered_at",
    "t17"."account_id",
    "t17"."sourced_by",
    "t17"."segment",
    "t17"."persona",
    "t17"."channel",
    "t17"."campaign",
    "t17"."rep",
    "t17"."playbook_version",
    "t17"."first_lead",
    "t17"."exit_lead",
    "t17"."first_mql",
    "t17"."exit_mql",
    "t17"."first_sal",
    "t17"."exit_sal",
    "t17"."first_sql",
    "t17"."exit_sql",
    "t17"."first_opportunity",
    "t17"."exit_opportunity",
    "t17"."first_customer",
    "t17"."reach_customer",
    "t17"."reach_lead",
    "t17"."reach_mql",
    "t17"."reach_sal",
    "t17"."reach_sql",
    "t17"."reach_opportunity"
  FROM (
    SELECT
      "t5"."id" AS "person_id",
      "t5"."created_at",
      "t5"."stage",
      "t5"."stage_entered_at",
      "t5"."account_id",
      COALESCE("t5"."sourced_by", '(none)') AS "sourced_by",
      COALESCE("t10"."a_segment", '(none)') AS "segment",
      COALESCE("t5"."persona", '(none)') AS "persona",
      COALESCE("t5"."source_channel", '(none)') AS "channel",
      COALESCE("t11"."c_name", '(none)') AS "campaign",
      COALESCE("t12"."u_email", '(none)') AS "rep",
      '(none)' AS "playbook_version",
      "t16"."r_person",
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
      "t16"."reach_opportunity"
    FROM "persons" AS "t5"
    LEFT OUTER JOIN (
      SELECT
        "t1"."id" AS "a_id",
        "t1"."segment" AS "a_segment"
      FROM "accounts" AS "t1"
    ) AS "t10"
      ON "t5"."account_id" = "t10"."a_id"
    LEFT OUTER JOIN (
      SELECT
        "t2"."id" AS "c_id",
        "t2"."name" AS "c_name"
      FROM "campaigns" AS "t2"
    ) AS "t11"
      ON "t5"."source_campaign_id" = "t11"."c_id"
    LEFT OUTER JOIN (
      SELECT
        "t3"."id" AS "u_id",
        "t3"."email" AS "u_email"
      FROM "users" AS "t3"
    ) AS "t12"
      ON "t5"."owner_id" = "t12"."u_id"
    LEFT OUTER JOIN (
      SELECT
        "t14"."r_person",
        "t14"."first_lead",
        "t14"."exit_lead",
        "t14"."first_mql",
        "t14"."exit_mql",
        "t14"."first_sal",
        "t14"."exit_sal",
        "t14"."first_sql",
        "t14"."exit_sql",
        "t14"."first_opportunity",
        "t14"."exit_opportunity",
        "t14"."first_customer",
        "t14"."first_customer" AS "reach_customer",
        NULLIF(
          MIN(
            COALESCE("t14"."first_lead", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_mql", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_sal", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_sql", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_lead",
        NULLIF(
          MIN(
            COALESCE("t14"."first_mql", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_sal", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_sql", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_mql",
        NULLIF(
          MIN(
            COALESCE("t14"."first_sal", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_sql", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_sal",
        NULLIF(
          MIN(
            COALESCE("t14"."first_sql", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_sql",
        NULLIF(
          MIN(
            COALESCE("t14"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t14"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_opportunity"
      FROM (
        SELECT
          "t13"."person_id" AS "r_person",
          MIN("t13"."at") FILTER(WHERE
            "t13"."to_stage" = 'lead') AS "first_lead",
          MIN("t13"."next_at") FILTER(WHERE
            "t13"."to_stage" = 'lead') AS "exit_lead",
          MIN("t13"."at") FILTER(WHERE
            "t13"."to_stage" = 'mql') AS "first_mql",
          MIN("t13"."next_at") FILTER(WHERE
            "t13"."to_stage" = 'mql') AS "exit_mql",
          MIN("t13"."at") FILTER(WHERE
            "t13"."to_stage" = 'sal') AS "first_sal",
          MIN("t13"."next_at") FILTER(WHERE
            "t13"."to_stage" = 'sal') AS "exit_sal",
          MIN("t13"."at") FILTER(WHERE
            "t13"."to_stage" = 'sql') AS "first_sql",
          MIN("t13"."next_at") FILTER(WHERE
            "t13"."to_stage" = 'sql') AS "exit_sql",
          MIN("t13"."at") FILTER(WHERE
            "t13"."to_stage" = 'opportunity') AS "first_opportunity",
          MIN("t13"."next_at") FILTER(WHERE
            "t13"."to_stage" = 'opportunity') AS "exit_opportunity",
          MIN("t13"."at") FILTER(WHERE
            "t13"."to_stage" = 'customer') AS "first_customer"
        FROM (
          SELECT
            "t9"."id",
            "t9"."person_id",
            "t9"."to_stage",
            "t9"."at",
            LEAD("t9"."at") OVER (
              PARTITION BY "t9"."person_id"
              ORDER BY "t9"."at" ASC, "t9"."id" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
            ) AS "next_at"
          FROM (
            SELECT
              "t4"."id",
              "t4"."person_id",
              "t4"."to_stage",
              "t4"."at"
            FROM "stage_changes" AS "t4"
          ) AS "t9"
        ) AS "t13"
        GROUP BY
          1
      ) AS "t14"
    ) AS "t16"
      ON "t5"."id" = "t16"."r_person"
  ) AS "t17"
) AS "t18"
GROUP BY
  1
