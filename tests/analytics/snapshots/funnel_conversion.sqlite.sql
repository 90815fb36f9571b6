SELECT
  "t24"."segment",
  "t24"."from_stage",
  "t24"."to_stage",
  "t24"."minutes",
  COUNT(*) AS "n"
FROM (
  SELECT
    "t23"."segment",
    "t23"."lf_from_stage" AS "from_stage",
    "t23"."lf_to_stage" AS "to_stage",
    CASE
      WHEN "t23"."lf_part" = 0
      THEN CASE
        WHEN (
          "t23"."reach_mql" IS NOT NULL
        )
        AND (
          "t23"."reach_mql" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t23"."reach_mql") AS INTEGER) - CAST(STRFTIME('%s', "t23"."reach_lead") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t23"."lf_part" = 1
      THEN CASE
        WHEN (
          "t23"."reach_sal" IS NOT NULL
        )
        AND (
          "t23"."reach_sal" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t23"."reach_sal") AS INTEGER) - CAST(STRFTIME('%s', "t23"."reach_mql") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t23"."lf_part" = 2
      THEN CASE
        WHEN (
          "t23"."reach_sql" IS NOT NULL
        )
        AND (
          "t23"."reach_sql" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t23"."reach_sql") AS INTEGER) - CAST(STRFTIME('%s', "t23"."reach_sal") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t23"."lf_part" = 3
      THEN CASE
        WHEN (
          "t23"."reach_opportunity" IS NOT NULL
        )
        AND (
          "t23"."reach_opportunity" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t23"."reach_opportunity") AS INTEGER) - CAST(STRFTIME('%s', "t23"."reach_sql") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t23"."lf_part" = 4
      THEN CASE
        WHEN (
          "t23"."reach_customer" IS NOT NULL
        )
        AND (
          "t23"."reach_customer" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t23"."reach_customer") AS INTEGER) - CAST(STRFTIME('%s', "t23"."reach_opportunity") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t23"."lf_part" = 5
      THEN CASE
        WHEN (
          "t23"."reach_customer" IS NOT NULL
        )
        AND (
          "t23"."reach_customer" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t23"."reach_customer") AS INTEGER) - CAST(STRFTIME('%s', "t23"."reach_lead") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t23"."lf_part" = 6
      THEN CASE
        WHEN (
          "t23"."reach_customer" IS NOT NULL
        )
        AND (
          "t23"."reach_customer" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t23"."reach_customer") AS INTEGER) - CAST(STRFTIME('%s', "t23"."reach_mql") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t23"."lf_part" = 7
      THEN CASE
        WHEN (
          "t23"."reach_customer" IS NOT NULL
        )
        AND (
          "t23"."reach_customer" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t23"."reach_customer") AS INTEGER) - CAST(STRFTIME('%s', "t23"."reach_sal") AS INTEGER)
          ) AS REAL) / (
            60
          )
        ) AS INTEGER)
        ELSE CAST(NULL AS INTEGER)
      END
      WHEN "t23"."lf_part" = 8
      THEN CASE
        WHEN (
          "t23"."reach_customer" IS NOT NULL
        )
        AND (
          "t23"."reach_customer" <= '2026-03-02 10:00:00'
        )
        THEN CAST(FLOOR(
          CAST((
            CAST(STRFTIME('%s', "t23"."reach_customer") AS INTEGER) - CAST(STRFTIME('%s', "t23"."reach_sql") AS INTEGER)
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
      "t22"."person_id",
      "t22"."created_at",
      "t22"."stage",
      "t22"."stage_entered_at",
      "t22"."account_id",
      "t22"."sourced_by",
      "t22"."segment",
      "t22"."persona",
      "t22"."channel",
      "t22"."campaign",
      "t22"."rep",
      "t22"."playbook_version",
      "t22"."reach_lead",
      "t22"."first_lead",
      "t22"."reach_mql",
      "t22"."first_mql",
      "t22"."reach_sal",
      "t22"."first_sal",
      "t22"."reach_sql",
      "t22"."first_sql",
      "t22"."reach_opportunity",
      "t22"."first_opportunity",
      "t22"."reach_customer",
      "t22"."first_customer",
      "t6"."lf_part",
      "t6"."lf_from_stage",
      "t6"."lf_to_stage"
    FROM (
      SELECT
        "t20"."person_id",
        "t20"."created_at",
        "t20"."stage",
        "t20"."stage_entered_at",
        "t20"."account_id",
        "t20"."sourced_by",
        "t20"."segment",
        "t20"."persona",
        "t20"."channel",
        "t20"."campaign",
        "t20"."rep",
        "t20"."playbook_version",
        "t20"."reach_lead",
        "t20"."first_lead",
        "t20"."reach_mql",
        "t20"."first_mql",
        "t20"."reach_sal",
        "t20"."first_sal",
        "t20"."reach_sql",
        "t20"."first_sql",
        "t20"."reach_opportunity",
        "t20"."first_opportunity",
        "t20"."reach_customer",
        "t20"."first_customer"
      FROM (
        SELECT
          "t7"."id" AS "person_id",
          "t7"."created_at",
          "t7"."stage",
          "t7"."stage_entered_at",
          "t7"."account_id",
          COALESCE("t7"."sourced_by", '(none)') AS "sourced_by",
          COALESCE("t11"."a_segment", '(none)') AS "segment",
          COALESCE("t7"."persona", '(none)') AS "persona",
          COALESCE("t7"."source_channel", '(none)') AS "channel",
          COALESCE("t12"."c_name", '(none)') AS "campaign",
          COALESCE("t13"."u_email", '(none)') AS "rep",
          COALESCE("t17"."pv_version", '(none)') AS "playbook_version",
          "t19"."r_person",
          "t19"."reach_lead",
          "t19"."first_lead",
          "t19"."reach_mql",
          "t19"."first_mql",
          "t19"."reach_sal",
          "t19"."first_sal",
          "t19"."reach_sql",
          "t19"."first_sql",
          "t19"."reach_opportunity",
          "t19"."first_opportunity",
          "t19"."reach_customer",
          "t19"."first_customer"
        FROM "persons" AS "t7"
        LEFT OUTER JOIN (
          SELECT
            "t2"."id" AS "a_id",
            "t2"."segment" AS "a_segment"
          FROM "accounts" AS "t2"
        ) AS "t11"
          ON "t7"."account_id" = "t11"."a_id"
        LEFT OUTER JOIN (
          SELECT
            "t3"."id" AS "c_id",
            "t3"."name" AS "c_name"
          FROM "campaigns" AS "t3"
        ) AS "t12"
          ON "t7"."source_campaign_id" = "t12"."c_id"
        LEFT OUTER JOIN (
          SELECT
            "t4"."id" AS "u_id",
            "t4"."email" AS "u_email"
          FROM "users" AS "t4"
        ) AS "t13"
          ON "t7"."owner_id" = "t13"."u_id"
        LEFT OUTER JOIN (
          SELECT
            "t14"."person_id" AS "pv_person",
            MAX("t14"."playbook_version") AS "pv_version"
          FROM (
            SELECT
              *
            FROM "stage_changes" AS "t5"
            WHERE
              "t5"."from_stage" IS NULL
          ) AS "t14"
          GROUP BY
            1
        ) AS "t17"
          ON "t7"."id" = "t17"."pv_person"
        INNER JOIN (
          SELECT
            "t15"."person_id" AS "r_person",
            MIN("t15"."at") FILTER(WHERE
              "t15"."rank" >= 0) AS "reach_lead",
            MIN("t15"."at") FILTER(WHERE
              "t15"."rank" = 0) AS "first_lead",
            MIN("t15"."at") FILTER(WHERE
              "t15"."rank" >= 1) AS "reach_mql",
            MIN("t15"."at") FILTER(WHERE
              "t15"."rank" = 1) AS "first_mql",
            MIN("t15"."at") FILTER(WHERE
              "t15"."rank" >= 2) AS "reach_sal",
            MIN("t15"."at") FILTER(WHERE
              "t15"."rank" = 2) AS "first_sal",
            MIN("t15"."at") FILTER(WHERE
              "t15"."rank" >= 3) AS "reach_sql",
            MIN("t15"."at") FILTER(WHERE
              "t15"."rank" = 3) AS "first_sql",
            MIN("t15"."at") FILTER(WHERE
              "t15"."rank" >= 4) AS "reach_opportunity",
            MIN("t15"."at") FILTER(WHERE
              "t15"."rank" = 4) AS "first_opportunity",
            MIN("t15"."at") FILTER(WHERE
              "t15"."rank" >= 5) AS "reach_customer",
            MIN("t15"."at") FILTER(WHERE
              "t15"."rank" = 5) AS "first_customer"
          FROM (
            SELECT
              "t5"."id",
              "t5"."person_id",
              "t5"."from_stage",
              "t5"."to_stage",
              "t5"."at",
              "t5"."transition",
              "t5"."actor",
              "t5"."actor_role",
              "t5"."reason",
              "t5"."note",
              "t5"."fields",
              "t5"."skipped",
              "t5"."playbook_version",
              "t5"."source",
              CASE "t5"."to_stage"
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
            FROM "stage_changes" AS "t5"
            WHERE
              "t5"."to_stage" IN ('lead', 'mql', 'sal', 'sql', 'opportunity', 'customer')
          ) AS "t15"
          GROUP BY
            1
        ) AS "t19"
          ON "t7"."id" = "t19"."r_person"
      ) AS "t20"
    ) AS "t22"
    CROSS JOIN "ibis_memtable" AS "t6"
  ) AS "t23"
  WHERE
    CASE
      WHEN "t23"."lf_part" = 0
      THEN (
        "t23"."reach_lead" >= '2026-01-01 00:00:00'
      )
      AND (
        "t23"."reach_lead" < '2026-04-01 00:00:00'
      )
      WHEN "t23"."lf_part" = 1
      THEN (
        "t23"."reach_mql" >= '2026-01-01 00:00:00'
      )
      AND (
        "t23"."reach_mql" < '2026-04-01 00:00:00'
      )
      WHEN "t23"."lf_part" = 2
      THEN (
        "t23"."reach_sal" >= '2026-01-01 00:00:00'
      )
      AND (
        "t23"."reach_sal" < '2026-04-01 00:00:00'
      )
      WHEN "t23"."lf_part" = 3
      THEN (
        "t23"."reach_sql" >= '2026-01-01 00:00:00'
      )
      AND (
        "t23"."reach_sql" < '2026-04-01 00:00:00'
      )
      WHEN "t23"."lf_part" = 4
      THEN (
        "t23"."reach_opportunity" >= '2026-01-01 00:00:00'
      )
      AND (
        "t23"."reach_opportunity" < '2026-04-01 00:00:00'
      )
      WHEN "t23"."lf_part" = 5
      THEN (
        "t23"."reach_lead" >= '2026-01-01 00:00:00'
      )
      AND (
        "t23"."reach_lead" < '2026-04-01 00:00:00'
      )
      WHEN "t23"."lf_part" = 6
      THEN (
        "t23"."reach_mql" >= '2026-01-01 00:00:00'
      )
      AND (
        "t23"."reach_mql" < '2026-04-01 00:00:00'
      )
      WHEN "t23"."lf_part" = 7
      THEN (
        "t23"."reach_sal" >= '2026-01-01 00:00:00'
      )
      AND (
        "t23"."reach_sal" < '2026-04-01 00:00:00'
      )
      WHEN "t23"."lf_part" = 8
      THEN (
        "t23"."reach_sql" >= '2026-01-01 00:00:00'
      )
      AND (
        "t23"."reach_sql" < '2026-04-01 00:00:00'
      )
      ELSE FALSE
    END
) AS "t24"
GROUP BY
  1,
  2,
  3,
  4
