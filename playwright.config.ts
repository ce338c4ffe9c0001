import { defineConfig } from "@playwright/test";

// Drives Debian's Chromium (browsers cannot be downloaded here). The fixtures
// in tests/web/fixtures.ts start `parley serve` on a free port with a fresh
// data directory: one per worker for the console tests (`server`), one per
// test for the widget tests (`shop`).
export default defineConfig({
  testDir: "tests/web",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env["CI"],
  reporter: process.env["CI"] ? [["list"], ["junit", { outputFile: "build/test-results/web-junit.xml" }]] : "list",
  outputDir: "build/test-results/web",
  use: {
    browserName: "chromium",
    headless: true,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    actionTimeout: 10_000,
    launchOptions: {
      executablePath: process.env["PARLEY_CHROMIUM"] ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
  },
});
