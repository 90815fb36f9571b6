SELECT
  `t19`.`segment`,
  COUNT(
    IF(
      (
        `t19`.`reach_lead` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t19`.`reach_lead` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      ),
      `t19`.`person_id`,
      NULL
    )
  ) AS `entered_lead`,
  COUNT(
    IF(
      (
        `t19`.`reach_lead` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t19`.`reach_lead` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        (
          `t19`.`first_lead` IS NULL
        ) OR (
          `t19`.`first_lead` > `t19`.`reach_lead`
        )
      ),
      `t19`.`person_id`,
      NULL
    )
  ) AS `skipped_lead`,
  COUNT(
    IF(
      (
        `t19`.`reach_mql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t19`.`reach_mql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      ),
      `t19`.`person_id`,
      NULL
    )
  ) AS `entered_mql`,
  COUNT(
    IF(
      (
        `t19`.`reach_mql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t19`.`reach_mql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        (
          `t19`.`first_mql` IS NULL
        ) OR (
          `t19`.`first_mql` > `t19`.`reach_mql`
        )
      ),
      `t19`.`person_id`,
      NULL
    )
  ) AS `skipped_mql`,
  COUNT(
    IF(
      (
        `t19`.`reach_sal` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t19`.`reach_sal` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      ),
      `t19`.`person_id`,
      NULL
    )
  ) AS `entered_sal`,
  COUNT(
    IF(
      (
        `t19`.`reach_sal` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t19`.`reach_sal` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        (
          `t19`.`first_sal` IS NULL
        ) OR (
          `t19`.`first_sal` > `t19`.`reach_sal`
        )
      ),
      `t19`.`person_id`,
      NULL
    )
  ) AS `skipped_sal`,
  COUNT(
    IF(
      (
        `t19`.`reach_sql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t19`.`reach_sql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      ),
      `t19`.`person_id`,
      NULL
    )
  ) AS `entered_sql`,
  COUNT(
    IF(
      (
        `t19`.`reach_sql` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t19`.`reach_sql` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        (
          `t19`.`first_sql` IS NULL
        ) OR (
          `t19`.`first_sql` > `t19`.`reach_sql`
        )
      ),
      `t19`.`person_id`,
      NULL
    )
  ) AS `skipped_sql`,
  COUNT(
    IF(
      (
        `t19`.`reach_opportunity` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t19`.`reach_opportunity` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      ),
      `t19`.`person_id`,
      NULL
    )
  ) AS `entered_opportunity`,
  COUNT(
    IF(
      (
        `t19`.`reach_opportunity` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t19`.`reach_opportunity` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        (
          `t19`.`first_opportunity` IS NULL
        )
        OR (
          `t19`.`first_opportunity` > `t19`.`reach_opportunity`
        )
      ),
      `t19`.`person_id`,
      NULL
    )
  ) AS `skipped_opportunity`,
  COUNT(
    IF(
      (
        `t19`.`reach_customer` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t19`.`reach_customer` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      ),
      `t19`.`person_id`,
      NULL
    )
  ) AS `entered_customer`,
  COUNT(
    IF(
      (
        `t19`.`reach_customer` >= CAST('2026-01-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        `t19`.`reach_customer` < CAST('2026-04-01T00:00:00' AS TIMESTAMP)
      )
      AND (
        (
          `t19`.`first_customer` IS NULL
        )
        OR (
          `t19`.`first_customer` > `t19`.`reach_customer`
        )
      ),
      `t19`.`person_id`,
      NULL
    )
  ) AS `skipped_customer`
FROM (
  SELECT
    `t18`.`person_id`,
    `t18`.`created_at`,
    `t18`.`stage`,
    `t18`.`stage_entered_at`,
    `t18`.`account_id`,
    `t18`.`sourced_by`,
    `t18`.`segment`,
    `t18`.`persona`,
    `t18`.`channel`,
    `t18`.`campaign`,
    `t18`.`rep`,
    `t18`.`playbook_version`,
    `t18`.`reach_lead`,
    `t18`.`first_lead`,
    `t18`.`reach_mql`,
    `t18`.`first_mql`,
    `t18`.`reach_sal`,
    `t18`.`first_sal`,
    `t18`.`reach_sql`,
    `t18`.`first_sql`,
    `t18`.`reach_opportunity`,
    `t18`.`first_opportunity`,
    `t18`.`reach_customer`,
    `t18`.`first_customer`
  FROM (
    SELECT
      `t5`.`id` AS `person_id`,
      `t5`.`created_at`,
      `t5`.`stage`,
      `t5`.`stage_entered_at`,
      `t5`.`account_id`,
      COALESCE(`t5`.`sourced_by`, '(none)') AS `sourced_by`,
      COALESCE(`t9`.`a_segment`, '(none)') AS `segment`,
      COALESCE(`t5`.`persona`, '(none)') AS `persona`,
      COALESCE(`t5`.`source_channel`, '(none)') AS `channel`,
      COALESCE(`t10`.`c_name`, '(none)') AS `campaign`,
      COALESCE(`t11`.`u_email`, '(none)') AS `rep`,
      COALESCE(`t15`.`pv_version`, '(none)') AS `playbook_version`,
      `t17`.`r_person`,
      `t17`.`reach_lead`,
      `t17`.`first_lead`,
      `t17`.`reach_mql`,
      `t17`.`first_mql`,
      `t17`.`reach_sal`,
      `t17`.`first_sal`,
      `t17`.`reach_sql`,
      `t17`.`first_sql`,
      `t17`.`reach_opportunity`,
      `t17`.`first_opportunity`,
      `t17`.`reach_customer`,
      `t17`.`first_customer`
    FROM `persons` AS `t5`
    LEFT OUTER JOIN (
      SELECT
        `t1`.`id` AS `a_id`,
        `t1`.`segment` AS `a_segment`
      FROM `accounts` AS `t1`
    ) AS `t9`
      ON `t5`.`account_id` = `t9`.`a_id`
    LEFT OUTER JOIN (
      SELECT
        `t2`.`id` AS `c_id`,
        `t2`.`name` AS `c_name`
      FROM `campaigns` AS `t2`
    ) AS `t10`
      ON `t5`.`source_campaign_id` = `t10`.`c_id`
    LEFT OUTER JOIN (
      SELECT
        `t3`.`id` AS `u_id`,
        `t3`.`email` AS `u_email`
      FROM `users` AS `t3`
    ) AS `t11`
      ON `t5`.`owner_id` = `t11`.`u_id`
    LEFT OUTER JOIN (
      SELECT
        `t12`.`person_id` AS `pv_person`,
        MAX(`t12`.`playbook_version`) AS `pv_version`
      FROM (
        SELECT
          *
        FROM `stage_changes` AS `t4`
        WHERE
          `t4`.`from_stage` IS NULL
      ) AS `t12`
      GROUP BY
        1
    ) AS `t15`
      ON `t5`.`id` = `t15`.`pv_person`
    INNER JOIN (
      SELECT
        `t13`.`person_id` AS `r_person`,
        MIN(IF(`t13`.`rank` >= 0, `t13`.`at`, NULL)) AS `reach_lead`,
        MIN(IF(`t13`.`rank` = 0, `t13`.`at`, NULL)) AS `first_lead`,
        MIN(IF(`t13`.`rank` >= 1, `t13`.`at`, NULL)) AS `reach_mql`,
        MIN(IF(`t13`.`rank` = 1, `t13`.`at`, NULL)) AS `first_mql`,
        MIN(IF(`t13`.`rank` >= 2, `t13`.`at`, NULL)) AS `reach_sal`,
        MIN(IF(`t13`.`rank` = 2, `t13`.`at`, NULL)) AS `first_sal`,
        MIN(IF(`t13`.`rank` >= 3, `t13`.`at`, NULL)) AS `reach_sql`,
        MIN(IF(`t13`.`rank` = 3, `t13`.`at`, NULL)) AS `first_sql`,
        MIN(IF(`t13`.`rank` >= 4, `t13`.`at`, NULL)) AS `reach_opportunity`,
        MIN(IF(`t13`.`rank` = 4, `t13`.`at`, NULL)) AS `first_opportunity`,
        MIN(IF(`t13`.`rank` >= 5, `t13`.`at`, NULL)) AS `reach_customer`,
        MIN(IF(`t13`.`rank` = 5, `t13`.`at`, NULL)) AS `first_customer`
      FROM (
        SELECT
          `t4`.`id`,
          `t4`.`person_id`,
          `t4`.`from_stage`,
          `t4`.`to_stage`,
          `t4`.`at`,
          `t4`.`transition`,
          `t4`.`actor`,
          `t4`.`actor_role`,
          `t4`.`reason`,
          `t4`.`note`,
          `t4`.`fields`,
          `t4`.`skipped`,
          `t4`.`playbook_version`,
          `t4`.`source`,
          CASE `t4`.`to_stage`
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
        FROM `stage_changes` AS `t4`
        WHERE
          `t4`.`to_stage` IN ('lead', 'mql', 'sal', 'sql', 'opportunity', 'customer')
      ) AS `t13`
      GROUP BY
        1
    ) AS `t17`
      ON `t5`.`id` = `t17`.`r_person`
  ) AS `t18`
) AS `t19`
GROUP BY
  1
