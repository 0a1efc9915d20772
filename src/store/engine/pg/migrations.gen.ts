// Generated from src/store/engine/pg/migrations by scripts/embed-migrations.ts (npm run db:generate). Do not edit.
import type { MigrationMeta } from "drizzle-orm/migrator";

export const PG_MIGRATIONS: MigrationMeta[] = [
  {
    "sql": [
      "CREATE TABLE \"events\" (\n\t\"pos\" bigint PRIMARY KEY NOT NULL,\n\t\"stream\" text NOT NULL,\n\t\"seq\" bigint NOT NULL,\n\t\"kind\" text NOT NULL,\n\t\"author\" text NOT NULL,\n\t\"at\" bigint NOT NULL,\n\t\"cmid\" text,\n\t\"body\" text NOT NULL\n);\n",
      "\nCREATE TABLE \"facts\" (\n\t\"scope\" text NOT NULL,\n\t\"key\" text NOT NULL,\n\tCONSTRAINT \"facts_scope_key_pk\" PRIMARY KEY(\"scope\",\"key\")\n);\n",
      "\nCREATE TABLE \"heads\" (\n\t\"stream\" text PRIMARY KEY NOT NULL,\n\t\"seq\" bigint NOT NULL\n);\n",
      "\nCREATE TABLE \"log_meta\" (\n\t\"id\" integer PRIMARY KEY NOT NULL,\n\t\"epoch\" text NOT NULL,\n\t\"pos\" bigint NOT NULL,\n\tCONSTRAINT \"log_meta_one_row\" CHECK (\"log_meta\".\"id\" = 1)\n);\n",
      "\nCREATE UNIQUE INDEX \"events_stream_seq\" ON \"events\" USING btree (\"stream\",\"seq\");",
      "\nCREATE UNIQUE INDEX \"events_cmid_author\" ON \"events\" USING btree (\"cmid\",\"author\") WHERE \"events\".\"cmid\" IS NOT NULL;",
      "\nCREATE INDEX \"events_kind\" ON \"events\" USING btree (\"kind\") WHERE \"events\".\"kind\" <> 'message';"
    ],
    "bps": true,
    "folderMillis": 1796175944332,
    "hash": "edd6079e703d481fbf3e94ea65f247160f8900c3df953a787dd591fce8ffa4ed"
  }
];
