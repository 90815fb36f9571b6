SELECT
  "t19"."segment",
  COUNT("t19"."person_id") FILTER(WHERE
    (
      "t19"."reach_lead" >= '2026-01-01 00:00:00'
    )
    AND (
      "t19"."reach_lead" < '2026-04-01 00:00:00'
    )) AS "entered_lead",
  COUNT("t19"."person_id") FILTER(WHERE
    (
      "t19"."reach_lead" >= '2026-01-01 00:00:00'
    )
    AND (
      "t19"."reach_lead" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t19"."first_lead" IS NULL
      ) OR (
        "t19"."first_lead" > "t19"."reach_lead"
      )
    )) AS "skipped_lead",
  COUNT("t19"."person_id") FILTER(WHERE
    (
      "t19"."reach_mql" >= '2026-01-01 00:00:00'
    )
    AND (
      "t19"."reach_mql" < '2026-04-01 00:00:00'
    )) AS "entered_mql",
  COUNT("t19"."person_id") FILTER(WHERE
    (
      "t19"."reach_mql" >= '2026-01-01 00:00:00'
    )
    AND (
      "t19"."reach_mql" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t19"."first_mql" IS NULL
      ) OR (
        "t19"."first_mql" > "t19"."reach_mql"
      )
    )) AS "skipped_mql",
  COUNT("t19"."person_id") FILTER(WHERE
    (
      "t19"."reach_sal" >= '2026-01-01 00:00:00'
    )
    AND (
      "t19"."reach_sal" < '2026-04-01 00:00:00'
    )) AS "entered_sal",
  COUNT("t19"."person_id") FILTER(WHERE
    (
      "t19"."reach_sal" >= '2026-01-01 00:00:00'
    )
    AND (
      "t19"."reach_sal" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t19"."first_sal" IS NULL
      ) OR (
        "t19"."first_sal" > "t19"."reach_sal"
      )
    )) AS "skipped_sal",
  COUNT("t19"."person_id") FILTER(WHERE
    (
      "t19"."reach_sql" >= '2026-01-01 00:00:00'
    )
    AND (
      "t19"."reach_sql" < '2026-04-01 00:00:00'
    )) AS "entered_sql",
  COUNT("t19"."person_id") FILTER(WHERE
    (
      "t19"."reach_sql" >= '2026-01-01 00:00:00'
    )
    AND (
      "t19"."reach_sql" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t19"."first_sql" IS NULL
      ) OR (
        "t19"."first_sql" > "t19"."reach_sql"
      )
    )) AS "skipped_sql",
  COUNT("t19"."person_id") FILTER(WHERE
    (
      "t19"."reach_opportunity" >= '2026-01-01 00:00:00'
    )
    AND (
      "t19"."reach_opportunity" < '2026-04-01 00:00:00'
    )) AS "entered_opportunity",
  COUNT("t19"."person_id") FILTER(WHERE
    (
      "t19"."reach_opportunity" >= '2026-01-01 00:00:00'
    )
    AND (
      "t19"."reach_opportunity" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t19"."first_opportunity" IS NULL
      )
      OR (
        "t19"."first_opportunity" > "t19"."reach_opportunity"
      )
    )) AS "skipped_opportunity",
  COUNT("t19"."person_id") FILTER(WHERE
    (
      "t19"."reach_customer" >= '2026-01-01 00:00:00'
    )
    AND (
      "t19"."reach_customer" < '2026-04-01 00:00:00'
    )) AS "entered_customer",
  COUNT("t19"."person_id") FILTER(WHERE
    (
      "t19"."reach_customer" >= '2026-01-01 00:00:00'
    )
    AND (
      "t19"."reach_customer" < '2026-04-01 00:00:00'
    )
    AND (
      (
        "t19"."first_customer" IS NULL
      )
      OR (
        "t19"."first_customer" > "t19"."reach_customer"
      )
    )) AS "skipped_customer"
FROM (
  SELECT
    "t18"."person_id",
    "t18"."created_at",
    "t18"."stage",
    "t18"."stage_entered_at",
    "t18"."account_id",
    "t18"."sourced_by",
    "t18"."segment",
    "t18"."persona",
    "t18"."channel",
    "t18"."campaign",
    "t18"."rep",
    "t18"."playbook_version",
    "t18"."first_lead",
    "t18"."exit_lead",
    "t18"."first_mql",
    "t18"."exit_mql",
    "t18"."first_sal",
    "t18"."exit_sal",
    "t18"."first_sql",
    "t18"."exit_sql",
    "t18"."first_opportunity",
    "t18"."exit_opportunity",
    "t18"."first_customer",
    "t18"."reach_customer",
    "t18"."reach_lead",
    "t18"."reach_mql",
    "t18"."reach_sal",
    "t18"."reach_sql",
    "t18"."reach_opportunity"
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
      "t17"."r_person",
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
        "t15"."r_person",
        "t15"."first_lead",
        "t15"."exit_lead",
        "t15"."first_mql",
        "t15"."exit_mql",
        "t15"."first_sal",
        "t15"."exit_sal",
        "t15"."first_sql",
        "t15"."exit_sql",
        "t15"."first_opportunity",
        "t15"."exit_opportunity",
        "t15"."first_customer",
        "t15"."first_customer" AS "reach_customer",
        NULLIF(
          MIN(
            COALESCE("t15"."first_lead", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_mql", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_sal", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_sql", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_lead",
        NULLIF(
          MIN(
            COALESCE("t15"."first_mql", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_sal", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_sql", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_mql",
        NULLIF(
          MIN(
            COALESCE("t15"."first_sal", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_sql", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_sal",
        NULLIF(
          MIN(
            COALESCE("t15"."first_sql", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_sql",
        NULLIF(
          MIN(
            COALESCE("t15"."first_opportunity", '9999-12-31 00:00:00'),
            COALESCE("t15"."first_customer", '9999-12-31 00:00:00')
          ),
          '9999-12-31 00:00:00'
        ) AS "reach_opportunity"
      FROM (
        SELECT
          "t14"."person_id" AS "r_person",
          MIN("t14"."at") FILTER(WHERE
            "t14"."rank" = 0) AS "first_lead",
          MIN("t14"."next_at") FILTER(WHERE
            "t14"."rank" = 0) AS "exit_lead",
          MIN("t14"."at") FILTER(WHERE
            "t14"."rank" = 1) AS "first_mql",
          MIN("t14"."next_at") FILTER(WHERE
            "t14"."rank" = 1) AS "exit_mql",
          MIN("t14"."at") FILTER(WHERE
            "t14"."rank" = 2) AS "first_sal",
          MIN("t14"."next_at") FILTER(WHERE
            "t14"."rank" = 2) AS "exit_sal",
          MIN("t14"."at") FILTER(WHERE
            "t14"."rank" = 3) AS "first_sql",
          MIN("t14"."next_at") FILTER(WHERE
            "t14"."rank" = 3) AS "exit_sql",
          MIN("t14"."at") FILTER(WHERE
            "t14"."rank" = 4) AS "first_opportunity",
          MIN("t14"."next_at") FILTER(WHERE
            "t14"."rank" = 4) AS "exit_opportunity",
          MIN("t14"."at") FILTER(WHERE
            "t14"."rank" = 5) AS "first_customer"
        FROM (
          SELECT
            "t13"."id",
            "t13"."person_id",
            "t13"."to_stage",
            "t13"."at",
            "t13"."next_at",
            CASE "t13"."to_stage"
              WHEN 'lead'
              THEN 0
              WHEN 'mql'
              THEN 1
              WHEN 'sal'
              THEN 2
              WHEN 'sql'
              THEN 3
              WHEN 'opportunity'
              THEN 4
              WHEN 'customer'
              THEN 5
              ELSE NULL
            END AS "rank"
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
        ) AS "t14"
        GROUP BY
          1
      ) AS "t15"
    ) AS "t17"
      ON "t5"."id" = "t17"."r_person"
  ) AS "t18"
) AS "t19"
GROUP BY
  1
