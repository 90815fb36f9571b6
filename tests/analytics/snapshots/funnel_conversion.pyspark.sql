SELECT
  `t24`.`segment`,
  `t24`.`from_stage`,
  `t24`.`to_stage`,
  `t24`.`minutes`,
  COUNT(*) AS `n`
FROM (
  SELECT
    `t23`.`segment`,
    `t23`.`lf_from_stage` AS `from_stage`,
    `t23`.`lf_to_stage` AS `to_stage`,
    CASE
      WHEN `t23`.`lf_part` = 0
      THEN CASE
        WHEN (
          `t23`.`reach_mql` IS NOT NULL
        )
        AND (
          `t23`.`reach_mql` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t23`.`reach_mql` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t23`.`reach_lead` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t23`.`lf_part` = 1
      THEN CASE
        WHEN (
          `t23`.`reach_sal` IS NOT NULL
        )
        AND (
          `t23`.`reach_sal` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t23`.`reach_sal` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t23`.`reach_mql` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t23`.`lf_part` = 2
      THEN CASE
        WHEN (
          `t23`.`reach_sql` IS NOT NULL
        )
        AND (
          `t23`.`reach_sql` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t23`.`reach_sql` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t23`.`reach_sal` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t23`.`lf_part` = 3
      THEN CASE
        WHEN (
          `t23`.`reach_opportunity` IS NOT NULL
        )
        AND (
          `t23`.`reach_opportunity` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t23`.`reach_opportunity` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t23`.`reach_sql` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t23`.`lf_part` = 4
      THEN CASE
        WHEN (
          `t23`.`reach_customer` IS NOT NULL
        )
        AND (
          `t23`.`reach_customer` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t23`.`reach_customer` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t23`.`reach_opportunity` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t23`.`lf_part` = 5
      THEN CASE
        WHEN (
          `t23`.`reach_customer` IS NOT NULL
        )
        AND (
          `t23`.`reach_customer` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t23`.`reach_customer` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t23`.`reach_lead` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t23`.`lf_part` = 6
      THEN CASE
        WHEN (
          `t23`.`reach_customer` IS NOT NULL
        )
        AND (
          `t23`.`reach_customer` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t23`.`reach_customer` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t23`.`reach_mql` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t23`.`lf_part` = 7
      THEN CASE
        WHEN (
          `t23`.`reach_customer` IS NOT NULL
        )
        AND (
          `t23`.`reach_customer` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t23`.`reach_customer` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t23`.`reach_sal` AS TIMESTAMP))
          ) / (
            60
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END
      WHEN `t23`.`lf_part` = 8
      THEN CASE
        WHEN (
          `t23`.`reach_customer` IS NOT NULL
        )
        AND (
          `t23`.`reach_customer` <= CAST('2026-03-02T10:00:00' AS TIMESTAMP)
        )
        THEN CAST(FLOOR(
          (
            UNIX_TIMESTAMP(CAST(`t23`.`reach_customer` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t23`.`reach_sql` AS TIMESTAMP))
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
      `t22`.`person_id`,
      `t22`.`created_at`,
      `t22`.`stage`,
      `t22`.`stage_entered_at`,
      `t22`.`account_id`,
      `t22`.`sourced_by`,
      `t22`.`segment`,
      `t22`.`persona`,
      `t22`.`channel`,
      `t22`.`campaign`,
      `t22`.`rep`,
      `t22`.`playbook_version`,
      `t22`.`first_lead`,
      `t22`.`exit_lead`,
      `t22`.`first_mql`,
      `t22`.`exit_mql`,
      `t22`.`first_sal`,
      `t22`.`exit_sal`,
      `t22`.`first_sql`,
      `t22`.`exit_sql`,
      `t22`.`first_opportunity`,
      `t22`.`exit_opportunity`,
      `t22`.`first_customer`,
      `t22`.`reach_customer`,
      `t22`.`reach_lead`,
      `t22`.`reach_mql`,
      `t22`.`reach_sal`,
      `t22`.`reach_sql`,
      `t22`.`reach_opportunity`,
      `t6`.`lf_part`,
      `t6`.`lf_from_stage`,
      `t6`.`lf_to_stage`
    FROM (
      SELECT
        *
      FROM (
        SELECT
          `t19`.`person_id`,
          `t19`.`created_at`,
          `t19`.`stage`,
          `t19`.`stage_entered_at`,
          `t19`.`account_id`,
          `t19`.`sourced_by`,
          `t19`.`segment`,
          `t19`.`persona`,
          `t19`.`channel`,
          `t19`.`campaign`,
          `t19`.`rep`,
          `t19`.`playbook_version`,
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
            `t18`.`r_person`,
            `t18`.`first_lead`,
            `t18`.`exit_lead`,
            `t18`.`first_mql`,
            `t18`.`exit_mql`,
            `t18`.`first_sal`,
            `t18`.`exit_sal`,
            `t18`.`first_sql`,
            `t18`.`exit_sql`,
            `t18`.`first_opportunity`,
            `t18`.`exit_opportunity`,
            `t18`.`first_customer`,
            `t18`.`reach_customer`,
            `t18`.`reach_lead`,
            `t18`.`reach_mql`,
            `t18`.`reach_sal`,
            `t18`.`reach_sql`,
            `t18`.`reach_opportunity`
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
              `t16`.`r_person`,
              `t16`.`first_lead`,
              `t16`.`exit_lead`,
              `t16`.`first_mql`,
              `t16`.`exit_mql`,
              `t16`.`first_sal`,
              `t16`.`exit_sal`,
              `t16`.`first_sql`,
              `t16`.`exit_sql`,
              `t16`.`first_opportunity`,
              `t16`.`exit_opportunity`,
              `t16`.`first_customer`,
              `t16`.`first_customer` AS `reach_customer`,
              NULLIF(
                LEAST(
                  COALESCE(`t16`.`first_lead`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_mql`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_sal`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_sql`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_opportunity`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_customer`, CAST('9999-12-31T00:00:00' AS TIMESTAMP))
                ),
                CAST('9999-12-31T00:00:00' AS TIMESTAMP)
              ) AS `reach_lead`,
              NULLIF(
                LEAST(
                  COALESCE(`t16`.`first_mql`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_sal`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_sql`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_opportunity`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_customer`, CAST('9999-12-31T00:00:00' AS TIMESTAMP))
                ),
                CAST('9999-12-31T00:00:00' AS TIMESTAMP)
              ) AS `reach_mql`,
              NULLIF(
                LEAST(
                  COALESCE(`t16`.`first_sal`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_sql`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_opportunity`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_customer`, CAST('9999-12-31T00:00:00' AS TIMESTAMP))
                ),
                CAST('9999-12-31T00:00:00' AS TIMESTAMP)
              ) AS `reach_sal`,
              NULLIF(
                LEAST(
                  COALESCE(`t16`.`first_sql`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_opportunity`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_customer`, CAST('9999-12-31T00:00:00' AS TIMESTAMP))
                ),
                CAST('9999-12-31T00:00:00' AS TIMESTAMP)
              ) AS `reach_sql`,
              NULLIF(
                LEAST(
                  COALESCE(`t16`.`first_opportunity`, CAST('9999-12-31T00:00:00' AS TIMESTAMP)),
                  COALESCE(`t16`.`first_customer`, CAST('9999-12-31T00:00:00' AS TIMESTAMP))
                ),
                CAST('9999-12-31T00:00:00' AS TIMESTAMP)
              ) AS `reach_opportunity`
            FROM (
              SELECT
                `t15`.`person_id` AS `r_person`,
                MIN(IF(`t15`.`to_stage` = 'lead', `t15`.`at`, NULL)) AS `first_lead`,
                MIN(IF(`t15`.`to_stage` = 'lead', `t15`.`next_at`, NULL)) AS `exit_lead`,
                MIN(IF(`t15`.`to_stage` = 'mql', `t15`.`at`, NULL)) AS `first_mql`,
                MIN(IF(`t15`.`to_stage` = 'mql', `t15`.`next_at`, NULL)) AS `exit_mql`,
                MIN(IF(`t15`.`to_stage` = 'sal', `t15`.`at`, NULL)) AS `first_sal`,
                MIN(IF(`t15`.`to_stage` = 'sal', `t15`.`next_at`, NULL)) AS `exit_sal`,
                MIN(IF(`t15`.`to_stage` = 'sql', `t15`.`at`, NULL)) AS `first_sql`,
                MIN(IF(`t15`.`to_stage` = 'sql', `t15`.`next_at`, NULL)) AS `exit_sql`,
                MIN(IF(`t15`.`to_stage` = 'opportunity', `t15`.`at`, NULL)) AS `first_opportunity`,
                MIN(IF(`t15`.`to_stage` = 'opportunity', `t15`.`next_at`, NULL)) AS `exit_opportunity`,
                MIN(IF(`t15`.`to_stage` = 'customer', `t15`.`at`, NULL)) AS `first_customer`
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
              GROUP BY
                1
            ) AS `t16`
          ) AS `t18`
            ON `t7`.`id` = `t18`.`r_person`
        ) AS `t19`
      ) AS `t20`
      WHERE
        (
          (
            `t20`.`reach_lead` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t20`.`reach_lead` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t20`.`reach_mql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t20`.`reach_mql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t20`.`reach_sal` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t20`.`reach_sal` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t20`.`reach_sql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t20`.`reach_sql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t20`.`reach_opportunity` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t20`.`reach_opportunity` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t20`.`reach_lead` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t20`.`reach_lead` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t20`.`reach_mql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t20`.`reach_mql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t20`.`reach_sal` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t20`.`reach_sal` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
        OR (
          (
            `t20`.`reach_sql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
          )
          AND (
            `t20`.`reach_sql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
          )
        )
    ) AS `t22`
    CROSS JOIN `ibis_memtable` AS `t6`
  ) AS `t23`
  WHERE
    CASE
      WHEN `t23`.`lf_part` = 0
      THEN (
        `t23`.`reach_lead` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t23`.`reach_lead` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t23`.`lf_part` = 1
      THEN (
        `t23`.`reach_mql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t23`.`reach_mql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t23`.`lf_part` = 2
      THEN (
        `t23`.`reach_sal` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t23`.`reach_sal` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t23`.`lf_part` = 3
      THEN (
        `t23`.`reach_sql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t23`.`reach_sql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t23`.`lf_part` = 4
      THEN (
        `t23`.`reach_opportunity` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t23`.`reach_opportunity` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t23`.`lf_part` = 5
      THEN (
        `t23`.`reach_lead` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t23`.`reach_lead` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t23`.`lf_part` = 6
      THEN (
        `t23`.`reach_mql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t23`.`reach_mql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t23`.`lf_part` = 7
      THEN (
        `t23`.`reach_sal` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t23`.`reach_sal` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      WHEN `t23`.`lf_part` = 8
      THEN (
        `t23`.`reach_sql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t23`.`reach_sql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      ELSE FALSE
    END
) AS `t24`
GROUP BY
  1,
  2,
  3,
  4
