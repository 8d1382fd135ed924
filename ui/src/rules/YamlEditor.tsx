// The YAML editor: CodeMirror 6 with the YAML language, problems marked at their lines (a lint
// diagnostic on the line and a marker in the gutter). Only the rule page imports it, so
// CodeMirror loads with that route, not with the console's first page.
//
// The editor lives in a shadow root: there CodeMirror styles itself through constructed style
// sheets, where in the document it would add a <style> element, which the console's
// Content-Security-Policy (no inline styles) blocks. So its look is a theme here, not CSS.

import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import {
  bracketMatching,
  HighlightStyle,
  indentOnInput,
  syntaxHighlighting,
} from "@codemirror/language";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { EditorView, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { useEffect, useRef } from "react";

import type { LineProblem } from "./problems";

export function YamlEditor({
  initial,
  onChange,
  problems,
  readOnly,
  label,
}: {
  initial: string;
  onChange: (text: string) => void;
  problems: LineProblem[];
  readOnly: boolean;
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView>(null);
  const change = useRef(onChange);
  change.current = onChange;

  useEffect(() => {
    const shadow = host.current!.shadowRoot ?? host.current!.attachShadow({ mode: "open" });
    const editor = new EditorView({
      root: shadow,
      parent: shadow,
      state: EditorState.create({
        doc: initial,
        extensions: [
          lineNumbers(),
          lintGutter(),
          history(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(highlight),
          yaml(),
          theme,
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          EditorState.readOnly.of(readOnly),
          EditorView.editable.of(!readOnly),
          EditorView.contentAttributes.of({ "aria-label": label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) change.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
    // The editor is made once per rule version (the page keys it); later props update it below.
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    editor.dispatch(
      setDiagnostics(
        editor.state,
        problems.map((p) => diagnostic(editor.state, p)),
      ),
    );
  }, [problems]);

  return <div className="yaml-editor" ref={host} />;
}

// The console's colours are CSS variables, which reach into the shadow root.
const theme = EditorView.theme({
  "&": {
    minHeight: "12rem",
    maxHeight: "60vh",
    background: "var(--surface)",
    color: "var(--text)",
  },
  ".cm-scroller": {
    fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace',
    fontSize: "13px",
  },
  ".cm-gutters": {
    background: "var(--bg)",
    color: "var(--muted)",
    borderRight: "1px solid var(--border)",
  },
  ".cm-activeLine, .cm-activeLineGutter": {
    background: "color-mix(in srgb, var(--accent) 8%, transparent)",
  },
  "&.cm-focused": { outline: "2px solid var(--focus)" },
  ".cm-cursor": { borderLeftColor: "var(--text)" },
});

// YAML's parts in the console's colours, so they read in the light and the dark theme alike.
const highlight = HighlightStyle.define([
  { tag: tags.definition(tags.propertyName), color: "var(--accent)" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--ok)" },
  { tag: [tags.lineComment, tags.meta], color: "var(--muted)", fontStyle: "italic" },
  { tag: [tags.labelName, tags.typeName, tags.keyword], color: "var(--warn)" },
]);

/** A problem as a diagnostic over its line's text (after the indentation). */
function diagnostic(state: EditorState, problem: LineProblem): Diagnostic {
  const line = state.doc.line(Math.min(Math.max(problem.line, 1), state.doc.lines));
  const indent = line.text.length - line.text.trimStart().length;
  return {
    from: line.from + indent,
    to: line.to,
    severity: "error",
    message: problem.path ? `${problem.path}: ${problem.message}` : problem.message,
  };
}
