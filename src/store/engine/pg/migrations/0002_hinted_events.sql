-- hubbub_append as in 0001, with one change: the NOTIFY that announces the new head also carries the
-- batch's events when they fit in a payload (PostgreSQL's limit is 8000 bytes): "head [events]",
-- each event [pos, stream, seq, kind, author, at, cmid, body] with the stored body text inlined as
-- JSON. Followers (tailer.ts) then apply a commit without reading it back: one read statement per
-- commit per node was most of a follower's client CPU per event. A batch too big for a payload
-- is announced by its head alone, as before, and read. Nodes from before this migration read the
-- head with Number(payload) and so ignore the longer payloads: during a rolling upgrade they
-- notice such commits by their 250 ms poll until restarted.
CREATE OR REPLACE FUNCTION hubbub_append(batch text, channel text) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
  reqs jsonb := batch::jsonb;
  head_before bigint;
  head_now bigint;
  req record;
  -- The facts the batch's guards name that hold now, as canonical JSON text of [scope, key]; then
  -- updated by each appended request's effects, so later requests see them (as plan.ts does).
  holding text[];
  touched text[] := '{}';
  fact_text text;
  ix int;
  refused int;
  -- Per stream of the batch: the seq of its newest event, as read and as assigned so far.
  stream_names text[];
  stream_seqs bigint[];
  stream_seqs_before bigint[];
  -- (author, cmid) of this batch's appended requests, and their request indexes.
  batch_keys text[] := '{}';
  batch_key_at int[] := '{}';
  cmid_key text;
  results text[] := '{}';
  e_pos bigint[] := '{}'; e_stream text[] := '{}'; e_seq bigint[] := '{}'; e_kind text[] := '{}';
  e_author text[] := '{}'; e_at bigint[] := '{}'; e_cmid text[] := '{}'; e_body text[] := '{}';
  hint text;
BEGIN
  -- FIRST: appends are serialised from here to COMMIT, and everything below sees every earlier commit.
  SELECT pos INTO head_before FROM log_meta WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN RETURN NULL; END IF;
  head_now := head_before;
  SELECT coalesce(array_agg(jsonb_build_array(f.scope, f.key)::text), '{}') INTO holding
    FROM facts f
    JOIN (SELECT DISTINCT v->>0 AS scope, v->>1 AS key FROM jsonb_array_elements(reqs) x,
          jsonb_array_elements(coalesce(x->'rq', '[]') || coalesce(x->'fb', '[]')) v) named
      ON f.scope = named.scope AND f.key = named.key;
  SELECT coalesce(array_agg(h.stream), '{}'), coalesce(array_agg(h.seq), '{}') INTO stream_names, stream_seqs
    FROM heads h WHERE h.stream IN (SELECT DISTINCT x->>'s' FROM jsonb_array_elements(reqs) x);
  stream_seqs_before := stream_seqs;
  FOR req IN
    SELECT x.*, o.pos AS o_pos, o.stream AS o_stream, o.seq AS o_seq, o.kind AS o_kind, o.at AS o_at, o.body AS o_body
      FROM ROWS FROM (jsonb_to_recordset(reqs) AS (s text, k text, a text, t bigint, c text, b text, rq jsonb, fb jsonb, ad jsonb, rm jsonb))
           WITH ORDINALITY AS x(s, k, a, t, c, b, rq, fb, ad, rm, i)
      LEFT JOIN events o ON o.cmid = x.c AND o.author = x.a
      ORDER BY x.i
  LOOP
    -- 1. Idempotency: a repeat of this batch's own appended request, or of a committed event.
    IF req.c IS NOT NULL THEN
      cmid_key := length(req.a) || ':' || req.a || req.c;
      ix := array_position(batch_keys, cmid_key);
      IF ix IS NOT NULL THEN results := results || ('["r",' || batch_key_at[ix] || ']'); CONTINUE; END IF;
      IF req.o_pos IS NOT NULL THEN
        results := results || json_build_array('d', req.o_pos, req.o_stream, req.o_seq, req.o_kind, req.a, req.o_at, req.c, req.o_body)::text;
        CONTINUE;
      END IF;
    END IF;
    -- 2. The guard, against the facts as they stand at this point of the batch.
    refused := NULL;
    FOR ix IN 0 .. coalesce(jsonb_array_length(req.rq), 0) - 1 LOOP
      IF NOT ((req.rq->ix)::text = ANY(holding)) THEN refused := ix; EXIT; END IF;
    END LOOP;
    IF refused IS NOT NULL THEN results := results || ('["m",' || refused || ']'); CONTINUE; END IF;
    FOR ix IN 0 .. coalesce(jsonb_array_length(req.fb), 0) - 1 LOOP
      IF (req.fb->ix)::text = ANY(holding) THEN refused := ix; EXIT; END IF;
    END LOOP;
    IF refused IS NOT NULL THEN results := results || ('["p",' || refused || ']'); CONTINUE; END IF;
    -- 3. Appended: its effects (removals first), the next seq of its stream, the next pos.
    FOR ix IN 0 .. coalesce(jsonb_array_length(req.rm), 0) - 1 LOOP
      fact_text := (req.rm->ix)::text;
      holding := array_remove(holding, fact_text);
      touched := touched || fact_text;
    END LOOP;
    FOR ix IN 0 .. coalesce(jsonb_array_length(req.ad), 0) - 1 LOOP
      fact_text := (req.ad->ix)::text;
      IF NOT (fact_text = ANY(holding)) THEN holding := holding || fact_text; END IF;
      touched := touched || fact_text;
    END LOOP;
    ix := array_position(stream_names, req.s);
    IF ix IS NULL THEN
      stream_names := stream_names || req.s;
      stream_seqs := stream_seqs || 0::bigint;
      stream_seqs_before := stream_seqs_before || 0::bigint;
      ix := cardinality(stream_names);
    END IF;
    stream_seqs[ix] := stream_seqs[ix] + 1;
    head_now := head_now + 1;
    e_pos := e_pos || head_now; e_stream := e_stream || req.s; e_seq := e_seq || stream_seqs[ix]; e_kind := e_kind || req.k;
    e_author := e_author || req.a; e_at := e_at || req.t; e_cmid := e_cmid || req.c; e_body := e_body || req.b;
    IF req.c IS NOT NULL THEN
      batch_keys := batch_keys || cmid_key;
      batch_key_at := batch_key_at || (req.i - 1)::int;
    END IF;
    results := results || ('[' || head_now || ',' || stream_seqs[ix] || ']');
  END LOOP;
  IF head_now > head_before THEN
    -- The unique (stream, seq) and (cmid, author) indexes still guard these rows: a conflict
    -- fails the statement, and so the whole append, keeping nothing.
    INSERT INTO events (pos, stream, seq, kind, author, at, cmid, body)
      SELECT * FROM unnest(e_pos, e_stream, e_seq, e_kind, e_author, e_at, e_cmid, e_body);
    INSERT INTO heads (stream, seq)
      SELECT u.s, u.q FROM unnest(stream_names, stream_seqs, stream_seqs_before) AS u(s, q, q0) WHERE u.q <> u.q0 ORDER BY u.s
      ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq;
    UPDATE log_meta SET pos = head_now WHERE id = 1;
    -- Delivered at COMMIT, in commit order: the new head, and the events when they fit.
    SELECT head_now || ' ' || json_agg(json_build_array(u.p, u.s, u.q, u.k, u.a, u.t, u.c, u.b::json) ORDER BY u.p) INTO hint
      FROM unnest(e_pos, e_stream, e_seq, e_kind, e_author, e_at, e_cmid, e_body) AS u(p, s, q, k, a, t, c, b);
    IF octet_length(hint) > 7999 THEN hint := head_now::text; END IF;
    PERFORM pg_notify(channel, hint);
  END IF;
  IF cardinality(touched) > 0 THEN
    -- The facts' net changes: what holds after the batch, for every fact an effect touched.
    DELETE FROM facts f USING (SELECT DISTINCT t::jsonb AS v FROM unnest(touched) t WHERE NOT (t = ANY(holding))) gone
      WHERE f.scope = gone.v->>0 AND f.key = gone.v->>1;
    INSERT INTO facts (scope, key)
      SELECT DISTINCT t::jsonb->>0, t::jsonb->>1 FROM unnest(touched) t WHERE t = ANY(holding)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN '[' || array_to_string(results, ',') || ']';
END
$fn$;
