import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// The first-load budget (scripts/bundle-budget.sh) and the time-to-interactive benchmark
// (scripts/bench-tti.sh): same browser and server as the journeys, their own tests.
export default defineConfig({
  ...base,
  testDir: './budget',
  timeout: 120_000,
});
