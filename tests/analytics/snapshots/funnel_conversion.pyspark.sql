SELECT
  `t25`.`segment`,
  `t25`.`from_stage`,
  `t25`.`to_stage`,
  `t25`.`minutes`,
  COUNT(*) AS `n`
FROM (
  SELECT
    `t24`.`segment`,
    `t24`.`lf_from_stage` AS `from_stage`,
    `t24`.`lf_to_stage` AS `to_stage`,
    CASE
      WHEN `t24`.`lf_part` = 0
      THEN CASE
        WHEN (
          `t24`.`reach_mql` IS NOT NULL
        )
        AND (
          `t24`.`reach_mql` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t24`.`reach_mql` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t24`.`reach_lead` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t24`.`lf_part` = 1
      THEN CASE
        WHEN (
          `t24`.`reach_sal` IS NOT NULL
        )
        AND (
          `t24`.`reach_sal` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t24`.`reach_sal` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t24`.`reach_mql` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t24`.`lf_part` = 2
      THEN CASE
        WHEN (
          `t24`.`reach_sql` IS NOT NULL
        )
        AND (
          `t24`.`reach_sql` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t24`.`reach_sql` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t24`.`reach_sal` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t24`.`lf_part` = 3
      THEN CASE
        WHEN (
          `t24`.`reach_opportunity` IS NOT NULL
        )
        AND (
          `t24`.`reach_opportunity` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t24`.`reach_opportunity` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t24`.`reach_sql` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t24`.`lf_part` = 4
      THEN CASE
        WHEN (
          `t24`.`reach_customer` IS NOT NULL
        )
        AND (
          `t24`.`reach_customer` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t24`.`reach_customer` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t24`.`reach_opportunity` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t24`.`lf_part` = 5
      THEN CASE
        WHEN (
          `t24`.`reach_customer` IS NOT NULL
        )
        AND (
          `t24`.`reach_customer` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t24`.`reach_customer` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t24`.`reach_lead` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t24`.`lf_part` = 6
      THEN CASE
        WHEN (
          `t24`.`reach_customer` IS NOT NULL
        )
        AND (
          `t24`.`reach_customer` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t24`.`reach_customer` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t24`.`reach_mql` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t24`.`lf_part` = 7
      THEN CASE
        WHEN (
          `t24`.`reach_customer` IS NOT NULL
        )
        AND (
          `t24`.`reach_customer` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t24`.`reach_customer` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t24`.`reach_sal` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t24`.`lf_part` = 8
      THEN CASE
        WHEN (
          `t24`.`reach_customer` IS NOT NULL
        )
        AND (
          `t24`.`reach_customer` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t24`.`reach_customer` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t24`.`reach_sql` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      ELSE NULL
    END AS `minutes`
  FROM (
    SELECT
      `t23`.`person_id`,
      `t23`.`created_at`,
      `t23`.`stage`,
      `t23`.`stage_entered_at`,
      `t23`.`account_id`,
      `t23`.`sourced_by`,
      `t23`.`segment`,
      `t23`.`persona`,
      `t23`.`channel`,
      `t23`.`campaign`,
      `t23`.`rep`,
      `t23`.`playbook_version`,
      `t23`.`first_lead`,
      `t23`.`exit_lead`,
      `t23`.`first_mql`,
      `t23`.`exit_mql`,
      `t23`.`first_sal`,
      `t23`.`exit_sal`,
      `t23`.`first_sql`,
      `t23`.`exit_sql`,
      `t23`.`first_opportunity`,
      `t23`.`exit_opportunity`,
      `t23`.`first_customer`,
      `t23`.`reach_customer`,
      `t23`.`reach_lead`,
      `t23`.`reach_mql`,
      `t23`.`reach_sal`,
      `t23`.`reach_sql`,
      `t23`.`reach_opportunity`,
      `t6`.`lf_part`,
      `t6`.`lf_from_stage`,
      `t6`.`lf_to_stage`
    FROM (
      SELECT
        *
      FROM (
        SELECT
          `t20`.`person_id`,
          `t20`.`created_at`,
          `t20`.`stage`,
          `t20`.`stage_entered_at`,
          `t20`.`account_id`,
          `t20`.`sourced_by`,
          `t20`.`segment`,
          `t20`.`persona`,
          `t20`.`channel`,
          `t20`.`campaign`,
          `t20`.`rep`,
          `t20`.`playbook_version`,
          `t20`.`first_lead`,
          `t20`.`exit_lead`,
          `t20`.`first_mql`,
          `t20`.`exit_mql`,
          `t20`.`first_sal`,
          `t20`.`exit_sal`,
          `t20`.`first_sql`,
          `t20`.`exit_sql`,
          `t20`.`first_opportunity`,
          `t20`.`exit_opportunity`,
          `t20`.`first_customer`,
          `t20`.`reach_customer`,
          `t20`.`reach_lead`,
          `t20`.`reach_mql`,
          `t20`.`reach_sal`,
          `t20`.`reach_sql`,
          `t20`.`reach_opportunity`
        FROM (
          SELECT
            `t7`.`id` AS `person_id`,
            `t7`.`created_at`,
            `t7`.`stage`,
            `t7`.`stage_entered_at`,
            `t7`.`account_id`,
            COALESCE(`t7`.`sourced_by`, '(none)') AS `sourced_by`,
            COALESCE(`t12`.`a_segment`, '(none)') AS `segment`,
            COALESCE(`t7`.`persona`, '(none)') AS `persona`,
            COALESCE(`t7`.`source_channel`, '(none)') AS `channel`,
            COALESCE(`t13`.`c_name`, '(none)') AS `campaign`,
            COALESCE(`t14`.`u_email`, '(none)') AS `rep`,
            '(none)' AS `playbook_version`,
            `t19`.`r_person`,
            `t19`.`first_lead`,
            `t19`.`exit_lead`,
            `t19`.`first_mql`,
            `t19`.`exit_mql`,
            `t19`.`first_sal`,
            `t19`.`exit_sal`,
            `t19`.`first_sql`,
            `t19`.`exit_sql`,
            `t19`.`first_opportunity`,
            `t19`.`exit_opportunity`,
            `t19`.`first_customer`,
            `t19`.`reach_customer`,
            `t19`.`reach_lead`,
            `t19`.`reach_mql`,
            `t19`.`reach_sal`,
            `t19`.`reach_sql`,
            `t19`.`reach_opportunity`
          FROM `persons` AS `t7`
          LEFT OUTER JOIN (
            SELECT
              `t2`.`id` AS `a_id`,
              `t2`.`segment` AS `a_segment`
            FROM `accounts` AS `t2`
          ) AS `t12`
            ON `t7`.`account_id` = `t12`.`a_id`
          LEFT OUTER JOIN (
            SELECT
              `t3`.`id` AS `c_id`,
              `t3`.`name` AS `c_name`
            FROM `campaigns` AS `t3`
          ) AS `t13`
            ON `t7`.`source_campaign_id` = `t13`.`c_id`
          LEFT OUTER JOIN (
            SELECT
              `t4`.`id` AS `u_id`,
              `t4`.`email` AS `u_email`
            FROM `users` AS `t4`
          ) AS `t14`
            ON `t7`.`owner_id` = `t14`.`u_id`
          LEFT OUTER JOIN (
            SELECT
              `t17`.`r_person`,
              `t17`.`first_lead`,
              `t17`.`exit_lead`,
              `t17`.`first_mql`,
              `t17`.`exit_mql`,
              `t17`.`first_sal`,
              `t17`.`exit_sal`,
              `t17`.`first_sql`,
              `t17`.`exit_sql`,
              `t17`.`first_opportunity`,
              `t17`.`exit_opportunity`,
              `t17`.`first_customer`,
              `t17`.`first_customer` AS `reach_customer`,
              NULLIF(
                LEAST(
                  COALESCE(`t17`.`first_lead`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_mql`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_sal`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_sql`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_opportunity`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_customer`, CAST('9999-12-31T00:00:00' AS TIMESTAMP))
                ),
                CAST('9999-12-31T00:00:00' AS TIMESTAMP)
              ) AS `reach_lead`,
              NULLIF(
                LEAST(
                  COALESCE(`t17`.`first_mql`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_sal`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_sql`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_opportunity`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_customer`, CAST('9999-12-31T00:00:00' AS TIMESTAMP))
                ),
                CAST('9999-12-31T00:00:00' AS TIMESTAMP)
              ) AS `reach_mql`,
              NULLIF(
                LEAST(
                  COALESCE(`t17`.`first_sal`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_sql`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_opportunity`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_customer`, CAST('9999-12-31T00:00:00' AS TIMESTAMP))
                ),
                CAST('9999-12-31T00:00:00' AS TIMESTAMP)
              ) AS `reach_sal`,
              NULLIF(
                LEAST(
                  COALESCE(`t17`.`first_sql`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_opportunity`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_customer`, CAST('9999-12-31T00:00:00' AS TIMESTAMP))
                ),
                CAST('9999-12-31T00:00:00' AS TIMESTAMP)
              ) AS `reach_sql`,
              NULLIF(
                LEAST(
                  COALESCE(`t17`.`first_opportunity`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t17`.`first_customer`, CAST('9999-12-31T00:00:00' AS TIMESTAMP))
                ),
                CAST('9999-12-31T00:00:00' AS TIMESTAMP)
              ) AS `reach_opportunity`
            FROM (
              SELECT
                `t16`.`person_id` AS `r_person`,
                MIN(IF(`t16`.`rank` = 0, `t16`.`at`, NULL)) AS `first_lead`,
                MIN(IF(`t16`.`rank` = 0, `t16`.`next_at`, NULL)) AS `exit_lead`,
                MIN(IF(`t16`.`rank` = 1, `t16`.`at`, NULL)) AS `first_mql`,
                MIN(IF(`t16`.`rank` = 1, `t16`.`next_at`, NULL)) AS `exit_mql`,
                MIN(IF(`t16`.`rank` = 2, `t16`.`at`, NULL)) AS `first_sal`,
                MIN(IF(`t16`.`rank` = 2, `t16`.`next_at`, NULL)) AS `exit_sal`,
                MIN(IF(`t16`.`rank` = 3, `t16`.`at`, NULL)) AS `first_sql`,
                MIN(IF(`t16`.`rank` = 3, `t16`.`next_at`, NULL)) AS `exit_sql`,
                MIN(IF(`t16`.`rank` = 4, `t16`.`at`, NULL)) AS `first_opportunity`,
                MIN(IF(`t16`.`rank` = 4, `t16`.`next_at`, NULL)) AS `exit_opportunity`,
                MIN(IF(`t16`.`rank` = 5, `t16`.`at`, NULL)) AS `first_customer`
              FROM (
                SELECT
                  `t15`.`id`,
                  `t15`.`person_id`,
                  `t15`.`to_stage`,
                  `t15`.`at`,
                  `t15`.`next_at`,
                  CASE `t15`.`to_stage`
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
                  END AS `rank`
                FROM (
                  SELECT
                    `t11`.`id`,
                    `t11`.`person_id`,
                    `t11`.`to_stage`,
                    `t11`.`at`,
                    LEAD(`t11`.`at`) OVER (PARTITION BY `t11`.`person_id` ORDER BY `t11`.`at` ASC, `t11`.`id` ASC) AS `next_at`
                  FROM (
                    SELECT
                      `t5`.`id`,
                      `t5`.`person_id`,
                      `t5`.`to_stage`,
                      `t5`.`at`
                    FROM `stage_changes` AS `t5`
                  ) AS `t11`
                ) AS `t15`
              ) AS `t16`
              GROUP BY
                1
            ) AS `t17`
          ) AS `t19`
            ON `t7`.`id` = `t19`.`r_person`
        ) AS `t20`
      ) AS `t21`
      WHERE
        (
          (
            `t21`.`reach_lead` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t21`.`reach_lead` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t21`.`reach_mql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t21`.`reach_mql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t21`.`reach_sal` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t21`.`reach_sal` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t21`.`reach_sql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t21`.`reach_sql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t21`.`reach_opportunity` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t21`.`reach_opportunity` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t21`.`reach_lead` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t21`.`reach_lead` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t21`.`reach_mql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t21`.`reach_mql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t21`.`reach_sal` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t21`.`reach_sal` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t21`.`reach_sql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t21`.`reach_sql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
    ) AS `t23`
    CROSS JOIN `ibis_memtable` AS `t6`
  ) AS `t24`
  WHERE
    CASE
      WHEN `t24`.`lf_part` = 0
      THEN (
        `t24`.`reach_lead` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t24`.`reach_lead` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t24`.`lf_part` = 1
      THEN (
        `t24`.`reach_mql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t24`.`reach_mql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t24`.`lf_part` = 2
      THEN (
        `t24`.`reach_sal` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t24`.`reach_sal` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t24`.`lf_part` = 3
      THEN (
        `t24`.`reach_sql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t24`.`reach_sql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t24`.`lf_part` = 4
      THEN (
        `t24`.`reach_opportunity` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t24`.`reach_opportunity` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t24`.`lf_part` = 5
      THEN (
        `t24`.`reach_lead` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t24`.`reach_lead` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t24`.`lf_part` = 6
      THEN (
        `t24`.`reach_mql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t24`.`reach_mql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t24`.`lf_part` = 7
      THEN (
        `t24`.`reach_sal` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t24`.`reach_sal` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t24`.`lf_part` = 8
      THEN (
        `t24`.`reach_sql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t24`.`reach_sql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      ELSE FALSE
    END
) AS `t25`
GROUP BY
  1,
  2,
  3,
  4
