// Generated from src/store/sqlite/migrations by scripts/embed-migrations.ts (npm run db:generate). Do not edit.
import type { MigrationMeta } from "drizzle-orm/migrator";

export const SQLITE_MIGRATIONS: MigrationMeta[] = [
  {
    "sql": [
      "CREATE TABLE `events` (\n\t`pos` integer PRIMARY KEY NOT NULL,\n\t`stream` text NOT NULL,\n\t`seq` integer NOT NULL,\n\t`kind` text NOT NULL,\n\t`author` text NOT NULL,\n\t`at` integer NOT NULL,\n\t`cmid` text,\n\t`body` text NOT NULL\n);\n",
      "\nCREATE UNIQUE INDEX `events_stream_seq` ON `events` (`stream`,`seq`);",
      "\nCREATE UNIQUE INDEX `events_author_cmid` ON `events` (`author`,`cmid`) WHERE \"events\".\"cmid\" IS NOT NULL;",
      "\nCREATE INDEX `events_kind` ON `events` (`kind`) WHERE \"events\".\"kind\" <> 'message';",
      "\nCREATE TABLE `meta` (\n\t`key` text PRIMARY KEY NOT NULL,\n\t`value` text NOT NULL\n);\n",
      "\nCREATE TABLE `snapshots` (\n\t`name` text PRIMARY KEY NOT NULL,\n\t`pos` integer NOT NULL,\n\t`version` integer NOT NULL,\n\t`data` text NOT NULL\n);\n"
    ],
    "bps": true,
    "folderMillis": 1795874715117,
    "hash": "b530c3afaa039c14394ff4a4f45693c50f78de656b94f9da948f6a9334898242"
  },
  {
    "sql": [
      "DROP INDEX `events_author_cmid`;",
      "\nCREATE UNIQUE INDEX `events_cmid_author` ON `events` (`cmid`,`author`) WHERE \"events\".\"cmid\" IS NOT NULL;"
    ],
    "bps": true,
    "folderMillis": 1796150700010,
    "hash": "ed2739a7fa9844c5f45638aa339de62bd1daaef68cfb690cf2a524384fe1bc63"
  },
  {
    "sql": [
      "CREATE TABLE `facts` (\n\t`scope` text NOT NULL,\n\t`key` text NOT NULL,\n\tPRIMARY KEY(`scope`, `key`)\n);\n"
    ],
    "bps": true,
    "folderMillis": 1796175912402,
    "hash": "3522b199630dd96895503d7c885a47f9cbdb6f3721fb2a49e116142a9ad982b6"
  }
];
