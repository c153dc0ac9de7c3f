import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ToolError } from "../types.js";
import { applyPatchTool } from "./apply-patch.js";
import { testWorkspace, type TestWorkspace } from "./test-workspace.js";

const applyPatch = applyPatchTool();
const patch = (...lines: string[]) => ["*** Begin Patch", ...lines, "*** End Patch"].join("\n");

function seed(w: TestWorkspace): void {
  mkdirSync(join(w.workspace, "src"));
  writeFileSync(join(w.workspace, "src", "app.ts"), "import a from 'a';\n\nconst foo = 1;\nexport default foo;\n");
  writeFileSync(join(w.workspace, "src", "old-name.ts"), "export const x = 1;\nexport const y = 2;\n");
  writeFileSync(join(w.workspace, "obsolete.txt"), "bye\n");
}

function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files[join(entry.parentPath, entry.name).slice(dir.length)] = readFileSync(join(entry.parentPath, entry.name), "utf8");
  }
  return files;
}

test("adds, updates, moves and deletes files in one patch", async () => {
  const w = testWorkspace();
  try {
    seed(w);
    const result = await applyPatch.execute(
      {
        input: patch(
          "*** Add File: docs/new/readme.md",
          "+# Title",
          "+",
          "+text",
          "*** Update File: src/app.ts",
          "@@",
          " import a from 'a';",
          " ",
          "-const foo = 1;",
          "+const foo = 2;",
          "*** Update File: src/old-name.ts",
          "*** Move to: src/new-name.ts",
          "@@",
          "-export const x = 1;",
          "+export const x = 10;",
          "*** Delete File: obsolete.txt",
        ),
      },
      w.ctx,
    );
    assert.equal(readFileSync(join(w.workspace, "docs", "new", "readme.md"), "utf8"), "# Title\n\ntext\n");
    assert.equal(readFileSync(join(w.workspace, "src", "app.ts"), "utf8"), "import a from 'a';\n\nconst foo = 2;\nexport default foo;\n");
    assert.equal(readFileSync(join(w.workspace, "src", "new-name.ts"), "utf8"), "export const x = 10;\nexport const y = 2;\n");
    assert.equal(existsSync(join(w.workspace, "src", "old-name.ts")), false);
    assert.equal(existsSync(join(w.workspace, "obsolete.txt")), false);
    assert.equal(
      result.content,
      ["Applied the patch:", "A docs/new/readme.md", "M src/app.ts", "M src/old-name.ts -> src/new-name.ts", "D obsolete.txt"].join("\n"),
    );
  } finally {
    w.remove();
  }
});

test("a hunk that does not match changes nothing, not even the operations before it", async () => {
  const w = testWorkspace();
  try {
    seed(w);
    const before = snapshot(w.workspace);
    await assert.rejects(
      applyPatch.execute(
        {
          input: patch(
            "*** Add File: created.txt",
            "+should not appear",
            "*** Delete File: obsolete.txt",
            "*** Update File: src/app.ts",
            "@@",
            "-const foo = 1;",
            "+const foo = 2;",
            "@@",
            "-const bar = 1;",
            "+const bar = 2;",
          ),
        },
        w.ctx,
      ),
      (err: unknown) => err instanceof ToolError && /src\/app\.ts: hunk 2 did not apply/.test(err.message) && err.message.includes("const bar = 1;"),
    );
    assert.deepEqual(snapshot(w.workspace), before);
  } finally {
    w.remove();
  }
});

test("paths outside the workspace are refused before anything is changed", async () => {
  const w = testWorkspace();
  try {
    seed(w);
    writeFileSync(join(w.outside, "target.txt"), "outside\n");
    symlinkSync(w.outside, join(w.workspace, "escape"));
    const before = snapshot(w.workspace);
    const attempts = [
      ["*** Add File: ../outside/planted.txt", "+x"],
      ["*** Add File: escape/planted.txt", "+x"],
      [`*** Delete File: ${join(w.outside, "target.txt")}`],
      ["*** Update File: escape/target.txt", "@@", "-outside", "+changed"],
      ["*** Update File: src/app.ts", "*** Move to: ../outside/app.ts", "@@", "-const foo = 1;", "+const foo = 2;"],
    ];
    for (const lines of attempts) {
      await assert.rejects(
        applyPatch.execute({ input: patch("*** Delete File: obsolete.txt", ...lines) }, w.ctx),
        (err: unknown) => err instanceof ToolError && err.kind === "invalid_arguments" && /outside the workspace/.test(err.message),
        lines[0],
      );
    }
    assert.deepEqual(snapshot(w.workspace), before);
    assert.deepEqual(readdirSync(w.outside), ["target.txt"]);
    assert.equal(readFileSync(join(w.outside, "target.txt"), "utf8"), "outside\n");
  } finally {
    w.remove();
  }
});

test("adding or moving onto an existing file is refused unless the patch deletes it first", async () => {
  const w = testWorkspace();
  try {
    seed(w);
    await assert.rejects(applyPatch.execute({ input: patch("*** Add File: obsolete.txt", "+new") }, w.ctx), (err: unknown) => {
      return err instanceof ToolError && /cannot add obsolete\.txt: it already exists/.test(err.message);
    });
    await assert.rejects(
      applyPatch.execute({ input: patch("*** Update File: src/old-name.ts", "*** Move to: src/app.ts") }, w.ctx),
      (err: unknown) => err instanceof ToolError && /cannot move .* it already exists/.test(err.message),
    );
    await applyPatch.execute({ input: patch("*** Delete File: obsolete.txt", "*** Add File: obsolete.txt", "+replaced") }, w.ctx);
    assert.equal(readFileSync(join(w.workspace, "obsolete.txt"), "utf8"), "replaced\n");
  } finally {
    w.remove();
  }
});

test("@@ anchors, end-of-file appends and CRLF files", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.workspace, "two.py"), "def a():\n    return 1\n\ndef b():\n    return 1\n");
    writeFileSync(join(w.workspace, "dos.txt"), "one\r\ntwo\r\n");
    await applyPatch.execute(
      {
        input: patch(
          "*** Update File: two.py",
          "@@ def b():",
          "-    return 1",
          "+    return 2",
          "@@",
          "+",
          "+def c():",
          "+    return 3",
          "*** End of File",
          "*** Update File: dos.txt",
          "@@",
          "-two",
          "+deux",
        ),
      },
      w.ctx,
    );
    assert.equal(readFileSync(join(w.workspace, "two.py"), "utf8"), "def a():\n    return 1\n\ndef b():\n    return 2\n\ndef c():\n    return 3\n");
    assert.equal(readFileSync(join(w.workspace, "dos.txt"), "utf8"), "one\r\ndeux\r\n");
  } finally {
    w.remove();
  }
});

test("deleting a symlink removes the link, not its target", async () => {
  const w = testWorkspace();
  try {
    writeFileSync(join(w.workspace, "real.txt"), "keep\n");
    symlinkSync("real.txt", join(w.workspace, "alias.txt"));
    await applyPatch.execute({ input: patch("*** Delete File: alias.txt") }, w.ctx);
    assert.equal(lstatSync(join(w.workspace, "alias.txt"), { throwIfNoEntry: false }), undefined);
    assert.equal(readFileSync(join(w.workspace, "real.txt"), "utf8"), "keep\n");
  } finally {
    w.remove();
  }
});

test("malformed patches are refused with the line at fault", async () => {
  const w = testWorkspace();
  try {
    seed(w);
    const invalid = (pattern: RegExp) => (err: unknown) => err instanceof ToolError && err.kind === "invalid_arguments" && pattern.test(err.message);
    await assert.rejects(applyPatch.execute({ input: "*** Add File: x\n+y\n*** End Patch" }, w.ctx), invalid(/must start with "\*\*\* Begin Patch"/));
    await assert.rejects(applyPatch.execute({ input: "*** Begin Patch\n*** Add File: x\n+y" }, w.ctx), invalid(/must end with "\*\*\* End Patch"/));
    await assert.rejects(applyPatch.execute({ input: patch("*** Add File: x", "no plus") }, w.ctx), invalid(/line 3: every line of an added file starts with "\+"/));
    await assert.rejects(applyPatch.execute({ input: patch("*** Update File: src/app.ts", "@@", "?const foo = 1;") }, w.ctx), invalid(/line 4: hunk lines start with/));
    await assert.rejects(applyPatch.execute({ input: patch("*** Rename File: a") }, w.ctx), invalid(/line 2: expected/));
    await assert.rejects(applyPatch.execute({ input: patch() }, w.ctx), invalid(/changes no files/));
    assert.equal(existsSync(join(w.workspace, "x")), false);
  } finally {
    w.remove();
  }
});

test("updating or deleting a missing file is a clear failure", async () => {
  const w = testWorkspace();
  try {
    await assert.rejects(applyPatch.execute({ input: patch("*** Delete File: ghost.txt") }, w.ctx), (err: unknown) => {
      return err instanceof ToolError && err.kind === "failed" && /cannot delete ghost\.txt: no such file/.test(err.message);
    });
    await assert.rejects(applyPatch.execute({ input: patch("*** Update File: ghost.txt", "@@", "-a", "+b") }, w.ctx), (err: unknown) => {
      return err instanceof ToolError && /cannot update ghost\.txt: no such file/.test(err.message);
    });
  } finally {
    w.remove();
  }
});
