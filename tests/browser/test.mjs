// test.mjs: headless Chromium, through puppeteer-core, against a running tinyhttpd; run by check_browser.sh.
//
// It gets from the environment: BASE_URL (http://127.0.0.1:PORT), ACCESS_LOG (the server's, common format),
// DATA_FILE (the file served as /site/data.bin), CHROMIUM (the browser), PUPPETEER_DIR (where npm installed
// puppeteer-core) and WAIT_MS (the bound on every wait). It prints one PASS: or FAIL: line per check and
// exits 1 when any failed. Works with node 18 (Debian 12's) and later.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const env = process.env;
for (const name of ['BASE_URL', 'ACCESS_LOG', 'DATA_FILE', 'CHROMIUM', 'PUPPETEER_DIR', 'WAIT_MS']) {
	if (!env[name]) {
		console.log(`FAIL: ${name} is not set; run it through check_browser.sh`);
		process.exit(1);
	}
}
const base = env.BASE_URL;
const waitMs = Number(env.WAIT_MS);
// puppeteer-core lives in a cache outside the source tree, not beside this script.
const puppeteer = createRequire(join(env.PUPPETEER_DIR, 'index.js'))('puppeteer-core');

let failed = 0;
function check(what, ok, detail) {
	if (ok) {
		console.log(`PASS: ${what}`);
	} else {
		failed++;
		console.log(`FAIL: ${what}${detail === undefined ? '' : `: ${detail}`}`);
	}
	return ok;
}

// The access log's requests as { method, path, status }, in order.
async function logEntries() {
	const text = await readFile(env.ACCESS_LOG, 'utf8').catch(() => '');
	return [...text.matchAll(/"(\S+) (\S+) [^"]*" (\d{3}) /g)].map((m) => ({
		method: m[1],
		path: m[2],
		status: Number(m[3]),
	}));
}

// Waits (bounded) until every one of want ([path, status] pairs) is among the log's entries from index
// from on; the log is written by a thread of its own, a little after the answer. Returns the entries.
async function waitLog(from, want) {
	const deadline = Date.now() + waitMs;
	let entries;
	for (;;) {
		entries = (await logEntries()).slice(from);
		const found = want.every(([path, status]) => entries.some((e) => e.path === path && e.status === status));
		if (found || Date.now() > deadline)
			return entries;
		await sleep(50);
	}
}

function logHas(entries, path, status) {
	return entries.some((e) => e.path === path && e.status === status);
}

function describe(entries) {
	return entries.map((e) => `${e.method} ${e.path} ${e.status}`).join(', ') || 'nothing logged';
}

// Clicks selector and waits for the navigation it starts; returns that navigation's response.
async function follow(page, selector) {
	const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
	return response;
}

async function bodyText(page) {
	return page.evaluate(() => document.body.innerText.trim());
}

// The demo form: typed into, submitted, answered by the POST /form text route.
async function form(page) {
	const shown = await page.goto(`${base}/form`);
	check('GET /form answers 200', shown.status() === 200, shown.status());
	await page.type('#username', 'alice');
	await page.type('#password', 'x');
	const answer = await follow(page, 'button[type="submit"]');
	check('the form is posted', answer.request().method() === 'POST', answer.request().method());
	check('POST /form answers 200', answer.status() === 200, answer.status());
	const text = await bodyText(page);
	check('the answer is "I\'m alice and my password is x."', text === "I'm alice and my password is x.", text);
}

// What the browser made of the page's stylesheet and image.
async function rendered(page) {
	return page.evaluate(() => {
		const img = document.getElementById('dot');
		return {
			color: getComputedStyle(document.getElementById('styled')).color,
			image: img.complete && img.naturalWidth === 1,
		};
	});
}

// A page with a stylesheet and an image, loaded then reloaded: the reload asks with the validators of the
// first answers and gets 304s. The route sends Cache-Control: no-cache, so the browser revalidates every
// time rather than trusting a heuristic freshness of its own.
async function revalidation(page) {
	const files = ['/site/page.html', '/site/style.css', '/site/dot.png'];
	let from = (await logEntries()).length;

	const first = await page.goto(`${base}/site/page.html`, { waitUntil: 'load' });
	check('the page answers 200', first.status() === 200, first.status());
	let seen = await rendered(page);
	check('the stylesheet applies', seen.color === 'rgb(1, 2, 3)', seen.color);
	check('the image shows', seen.image);
	let entries = await waitLog(from, files.map((f) => [f, 200]));
	for (const f of files)
		check(`first load: ${f} 200 in the access log`, logHas(entries, f, 200), describe(entries));

	from = (await logEntries()).length;
	await page.reload({ waitUntil: 'load' });
	seen = await rendered(page);
	check('after the reload the stylesheet applies', seen.color === 'rgb(1, 2, 3)', seen.color);
	check('after the reload the image shows', seen.image);
	entries = await waitLog(from, files.map((f) => [f, 304]));
	for (const f of files)
		check(`reload: ${f} 304 in the access log`, logHas(entries, f, 304), describe(entries));
}

// Byte ranges fetched by the page's own JavaScript, as a player or a download manager would ask.
async function ranges(page) {
	const data = await readFile(env.DATA_FILE);
	const size = data.length;
	await page.goto(`${base}/site/page.html`);
	const cases = [
		['bytes=1000-1999', 1000, 1999],
		['bytes=-100', size - 100, size - 1],
		[`bytes=${size - 10}-`, size - 10, size - 1],
	];
	for (const [range, first, last] of cases) {
		const got = await page.evaluate(
			async (url, range) => {
				const r = await fetch(url, { headers: { Range: range }, cache: 'no-store' });
				const body = new Uint8Array(await r.arrayBuffer());
				return { status: r.status, contentRange: r.headers.get('Content-Range'), bytes: Array.from(body) };
			},
			`${base}/site/data.bin`,
			range,
		);
		check(`fetch() with Range: ${range} gets 206`, got.status === 206, got.status);
		const want = `bytes ${first}-${last}/${size}`;
		check(`Content-Range: ${want}`, got.contentRange === want, got.contentRange);
		const expected = data.subarray(first, last + 1);
		check(
			`the ${expected.length} bytes of ${range} are the file's`,
			got.bytes.length === expected.length && got.bytes.every((b, i) => b === expected[i]),
			`${got.bytes.length} bytes`,
		);
	}
}

// The demo's landing page and its /info link, which must work as it stands (it used to answer 400).
async function landing(page) {
	const shown = await page.goto(`${base}/static/index.html`);
	check('GET /static/index.html answers 200', shown.status() === 200, shown.status());
	const answer = await follow(page, 'a[href^="/info"]');
	check('its /info link goes to /info?name=Tom&age=20', answer.url() === `${base}/info?name=Tom&age=20`,
	      answer.url());
	check('the /info link answers 200', answer.status() === 200, answer.status());
	const text = await bodyText(page);
	check('the answer is "hello, I\'m Tom and 20 years old."', text === "hello, I'm Tom and 20 years old.", text);
}

const browser = await puppeteer
	.launch({
		executablePath: env.CHROMIUM,
		headless: true,
		// Over a pipe, not a DevTools port: nothing else listens, and the browser exits when this process
		// does, however it ends.
		pipe: true,
		timeout: waitMs,
		protocolTimeout: waitMs,
		// Chromium refuses to start its sandbox as root (CI runs the tests as root), and cannot set one up in
		// a container without user namespaces; the browser loads only this test's pages from loopback, so
		// the sandbox would guard nothing here. /dev/shm is small in containers: shared memory goes to /tmp.
		args: ['--no-sandbox', '--disable-dev-shm-usage'],
	})
	.catch((err) => {
		console.log(`FAIL: chromium starts: ${err.message}`);
		process.exit(1);
	});
console.log(`# ${await browser.version()}`);
try {
	for (const scenario of [form, revalidation, ranges, landing]) {
		// Each in a fresh page; one that throws (a wait that timed out) fails and the others still run.
		const page = await browser.newPage();
		page.setDefaultTimeout(waitMs);
		page.setDefaultNavigationTimeout(waitMs);
		try {
			await scenario(page);
		} catch (err) {
			check(`${scenario.name} ran to its end`, false, err.message);
		} finally {
			await page.close();
		}
	}
} finally {
	await browser.close();
}
process.exit(failed === 0 ? 0 : 1);
