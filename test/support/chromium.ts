// Headless Chromium for the history page's screenshot: found on PATH, or installed from Debian's
// package where we may (root, apt-get), since the machines of this project reach no other download site.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const browserNames = ['chromium', 'chromium-browser'];
const shotTimeoutMs = 60_000;
// apt-get update and the install of chromium with its libraries take minutes on a cold machine.
const installTimeoutMs = 600_000;

function onPath(name: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter).filter((part) => part !== '')) {
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

function findBrowser(): string | undefined {
  for (const name of browserNames) {
    const found = onPath(name);
    if (found !== undefined) return found;
  }
  return undefined;
}

function mayInstallWithApt(): boolean {
  return process.getuid?.() === 0 && onPath('apt-get') !== undefined;
}

async function installFromDebian(): Promise<void> {
  await run('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], {
    timeout: installTimeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** The path of a Chromium binary, installing Debian's `chromium` package first when it is missing and we are root. */
export async function chromiumPath(): Promise<string> {
  const found = findBrowser();
  if (found !== undefined) return found;
  if (!mayInstallWithApt()) {
    throw new Error(
      'Chromium is not on PATH: install it (Debian/Ubuntu: `sudo apt-get install chromium`, ' +
        'or a package that provides `chromium` or `chromium-browser`) and run again',
    );
  }
  await installFromDebian();
  const installed = findBrowser();
  if (installed === undefined) {
    throw new Error('apt-get installed `chromium` but neither `chromium` nor `chromium-browser` is on PATH');
  }
  return installed;
}

/** Renders an HTML file with headless Chromium and writes what it shows, at `size`, to a PNG file. */
export async function screenshot(
  htmlFile: string,
  pngFile: string,
  size: { width: number; height: number } = { width: 1000, height: 900 },
): Promise<void> {
  const browser = await chromiumPath();
  await run(
    browser,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      `--window-size=${size.width},${size.height}`,
      // Lets the page's scripts (the chart) run before the shot is taken.
      '--virtual-time-budget=2000',
      `--screenshot=${pngFile}`,
      pathToFileURL(htmlFile).href,
    ],
    { timeout: shotTimeoutMs },
  );
}
