import { engineContract } from "./engine.contract.ts";
import { allHarnesses } from "./testing/harnesses.ts";

for (const h of allHarnesses) engineContract(h);
