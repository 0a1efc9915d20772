import { defineConfig } from "drizzle-kit";

// The PostgreSQL engine's migrations (`bun x drizzle-kit generate --config drizzle.pg.config.ts`,
// i.e. `npm run db:generate:pg`): generate needs no database; the engine applies them at open.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/store/engine/pg/schema.ts",
  out: "./src/store/engine/pg/migrations",
});
