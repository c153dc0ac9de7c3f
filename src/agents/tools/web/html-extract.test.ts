import assert from "node:assert/strict";
import { test } from "node:test";
import { extractHtml } from "./html-extract.js";
import { decodeEntities } from "./html-entities.js";

const PAGE = `<!doctype html>
<html><head><title>The &amp; Title</title><style>body { color: red }</style>
<script>var secret = "</p>not text";</script></head>
<body>
<nav><a href="/home">Home</a> <a href="/about">About</a></nav>
<h1>Main   heading</h1>
<p>First <b>bold</b> paragraph with a <a href="/docs/page?x=1&amp;y=2">relative link</a> and
   <a href="https://other.example/">an absolute one</a>.</p>
<h2>Lists</h2>
<ul><li>one</li><li>two<ol><li>nested a</li><li>nested b</li></ol></li></ul>
<p>Entities: &lt;tag&gt; &quot;q&quot; &#8212; &#x2014; &copy; caf&eacute;&nbsp;ok</p>
<pre><code>  indented
    code &lt;here&gt;</code></pre>
<table><tr><th>Name</th><th>Value</th></tr><tr><td>a</td><td>1</td></tr></table>
<a href="javascript:alert(1)">script link</a>
<!-- a comment with <p>markup</p> -->
<footer>Copyright footer</footer>
<noscript>Enable JS</noscript>
</body></html>`;

test("markdown mode keeps headings, links, lists, code and tables and drops chrome", () => {
  const { title, text } = extractHtml(PAGE, "https://site.example/dir/index.html", "markdown");
  assert.equal(title, "The & Title");
  assert.match(text, /^# Main heading$/m);
  assert.match(text, /^## Lists$/m);
  assert.match(text, /First bold paragraph with a \[relative link\]\(https:\/\/site\.example\/docs\/page\?x=1&y=2\) and \[an absolute one\]\(https:\/\/other\.example\/\)\./);
  assert.match(text, /^- one$/m);
  assert.match(text, /^- two$/m);
  assert.match(text, /^ {2}1\. nested a$/m);
  assert.match(text, /^ {2}2\. nested b$/m);
  assert.match(text, /Entities: <tag> "q" — — © café ok/);
  assert.match(text, /\n\n```\n  indented\n    code <here>\n```\n\n/);
  assert.match(text, /^Name \| Value$/m);
  assert.match(text, /^a \| 1$/m);
  assert.match(text, /^script link$/m);
  for (const gone of ["color: red", "secret", "not text", "Home", "About", "Copyright", "Enable JS", "comment", "markup"]) {
    assert.ok(!text.includes(gone), `${gone} should be gone:\n${text}`);
  }
  assert.doesNotMatch(text, /\n{3}/);
});

test("text mode has no markdown syntax", () => {
  const { text } = extractHtml(PAGE, "https://site.example/", "text");
  assert.match(text, /^Main heading$/m);
  assert.match(text, /with a relative link and an absolute one\./);
  assert.ok(!text.includes("]("));
  assert.ok(!text.includes("```"));
});

test("a single <main> or <article> is preferred over the rest of the page", () => {
  const html = `<body><div>Sidebar junk</div><article><h1>Story</h1><p>Body text.</p></article><div>More junk</div></body>`;
  assert.equal(extractHtml(html, "https://a.example/", "markdown").text, "# Story\n\nBody text.");
  const two = `<body><article><p>One</p></article><article><p>Two</p></article></body>`;
  assert.equal(extractHtml(two, "https://a.example/", "markdown").text, "One\n\nTwo");
});

test("a card link around a heading, a <base> href, and an image link's alt text", () => {
  const html = `<head><base href="https://cdn.example/root/"></head><body><a href="post/1"><h3>Card title</h3></a><p><a href="/x"><img src="i.png" alt="Logo"></a></p></body>`;
  const { text } = extractHtml(html, "https://a.example/", "markdown");
  assert.match(text, /^### \[Card title\]\(https:\/\/cdn\.example\/root\/post\/1\)$/m);
  assert.match(text, /^\[Logo\]\(https:\/\/cdn\.example\/x\)$/m);
});

test("unclosed chrome does not swallow the page, an unclosed script does", () => {
  assert.equal(extractHtml("<body><nav>menu<p>Real text</p></body>", "https://a.example/", "text").text, "menu\n\nReal text");
  assert.equal(extractHtml("<p>Before</p><script>var x = 1; <p>never</p>", "https://a.example/", "text").text, "Before");
});

test("entities: named, decimal, hex, invalid code points, and names that need a semicolon", () => {
  assert.equal(decodeEntities("a &amp b &lt;c&gt; &#65;&#x42; &#0; &#xD800; &bogus; x&copy=2 &copy;"), "a & b <c> AB \ufffd \ufffd &bogus; x&copy=2 ©");
});

test("nesting, self-closing tags, markup in comments and scripts, and a tag split by quoted `>`", () => {
  const html = `<body><!-- <nav> --><div title="<nav>">Kept</div><nav>a<nav>b</nav>c</nav><nav/>
<script>var s = "<nav>"; document.write("</p>");</script><p title="a > b">After</p><nav>never closed<p>Tail</p></body>`;
  assert.equal(extractHtml(html, "https://a.example/", "text").text, "Kept\n\nAfter\n\nnever closed\n\nTail");
});

// A quadratic scan of these pages takes minutes; linear takes milliseconds. The bound leaves room for a busy machine.
test("a 750 KB hostile page is extracted without super-linear blow-up", () => {
  const size = 750_000;
  const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  const hostile = {
    "tag starts without >": fill("<a "),
    "end-tag starts without >": fill("</a "),
    "comment starts": fill("<!--"),
    "declarations without >": fill("<!"),
    "script starts without >": fill("<script"),
    "scripts never closed": fill("<script>"),
    "unclosed double quotes": fill('<a href="x'),
    "unclosed single quotes": fill("<a title='x"),
    "mixed quotes": fill(`<a "'`),
    "base starts": fill("<base "),
    "chrome never closed": fill("<nav>"),
    "lists nested without end": fill("<ul><li>"),
  };
  for (const [name, html] of Object.entries(hostile)) {
    const started = performance.now();
    extractHtml(html, "https://a.example/", "markdown");
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 5000, `${name}: ${elapsed.toFixed(0)} ms`);
  }
});
