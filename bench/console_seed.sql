-- Seeds the runtime's schema for bench/console.sh: 100,000 tokens (5,000 subjects, 40 clients;
-- 1 % revoked, 10 % expired) and a month of hourly rollups (the newest 1,000 tokens, every hour
-- of 30 days, 2 models: 1,440,000 hourly rollup rows,
-- 60,000 daily). Variables: now (Unix seconds).
\set ON_ERROR_STOP on
INSERT INTO tokens (id, digest, subject, client_id, scopes, issued_at, expires_at, revoked_at, rate_limit_rpm, models,
                    max_budget_nano_usd, budget_period)
SELECT 'tok_' || lpad(to_hex(i), 24, '0'),
       decode(md5('digest-a-' || i) || md5('digest-b-' || i), 'hex'),
       'user-' || (i % 5000),
       'team-' || (i % 40),
       '{chat}',
       :now - 5184000 + i * 50,
       CASE WHEN i % 10 = 0 THEN :now - 3600 ELSE :now + 2592000 END,
       CASE WHEN i % 100 = 7 THEN :now - 86400 ELSE NULL END,
       60, '{gpt-4o-mini,claude-sonnet}', 5000000000, 'month'
FROM generate_series(1, 100000) AS i;

INSERT INTO usage_rollups (token_id, model, hour_start, subject, requests, prompt_tokens, completion_tokens, cached_tokens,
                           spend_nano_usd)
SELECT 'tok_' || lpad(to_hex(t), 24, '0'), m.model, (:now - :now % 3600) - h * 3600, 'user-' || (t % 5000),
       3, 3000, 600, 0, (t % 17 + 1) * 10000 * m.factor
FROM generate_series(99001, 100000) AS t, generate_series(0, 719) AS h,
     (VALUES ('gpt-4o-mini', 1), ('claude-sonnet', 3)) AS m(model, factor);

-- The daily rollups the ledger keeps beside the hourly ones (its migration's backfill, the same SQL).
INSERT INTO usage_daily (token_id, model, day_start, subject, requests, prompt_tokens, completion_tokens, cached_tokens,
                         spend_nano_usd)
SELECT token_id, model, hour_start - (hour_start % 86400 + 86400) % 86400, subject, sum(requests)::bigint,
       sum(prompt_tokens)::bigint, sum(completion_tokens)::bigint, sum(cached_tokens)::bigint, sum(spend_nano_usd)::bigint
FROM usage_rollups
GROUP BY 1, 2, 3, 4;

ANALYZE tokens;
ANALYZE usage_daily;
ANALYZE usage_rollups;
SELECT (SELECT count(*) FROM tokens) AS tokens, (SELECT count(*) FROM usage_rollups) AS rollups;
