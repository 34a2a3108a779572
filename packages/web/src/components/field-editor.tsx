/**
 * The sender's field editor (issue 13.1): the document's pages with a layer over each on which the sender places,
 * moves, resizes and removes fields for each signer. With the mouse or a finger (pointer events): a drag on the
 * page draws a field, a tap places one of the kind's usual size, a field is dragged to move it and by its corners to
 * resize it. With the keyboard: "Add field" places one on the page in view, a focused field moves with the arrow
 * keys (Shift: further), changes size with Alt and the arrow keys, and goes with Delete. Each recipient has a
 * colour, and each field also shows the recipient's number and its kind in words, so the colour is never the only
 * cue. The controls follow the page's direction; the pages never mirror (the viewer is left to right).
 *
 * Fields are kept in user space (the API's `rect`), so zooming redraws them where they were; the conversion is
 * `lib/field-geometry.ts` through each page's pdf.js viewport. The page layer carries the viewport's transform
 * (`data-transform`) so that tests can compute where a point of the PDF shows.
 */
import type { FieldKind } from "@khatam/server/api";
import {
  type KeyboardEvent as ReactKeyboardEvent,
  type PointerEvent as ReactPointerEvent,
  useCallback,
  useEffect,
  useRef,
  useState,
} from "react";
import { useTranslation } from "react-i18next";
import { useLanguage } from "../language.js";
import type { PageFacts, PlacedField } from "../lib/field-checks.js";
import {
  boxAt,
  boxBetween,
  type Handle,
  MIN_SIDE,
  moveWithin,
  pageRect,
  resizeWithin,
  scaleOf,
  toPdfRect,
  toViewRect,
  type ViewRect,
} from "../lib/field-geometry.js";
import { formatNumber } from "../lib/format-date.js";
import { type PageView, PdfViewer } from "./pdf-viewer.js";

export const FIELD_KINDS: readonly FieldKind[] = ["signature", "initials", "name", "title", "date", "text", "checkbox"];

/** A new field's size in points (width × height as the page is read): what each usually holds. */
const DEFAULT_SIZE: Readonly<Record<FieldKind, readonly [number, number]>> = {
  signature: [180, 60],
  initials: [60, 36],
  name: [180, 24],
  title: [180, 24],
  date: [110, 24],
  text: [180, 24],
  checkbox: [16, 16],
};

/** Kinds whose field takes a label (what to write, what is agreed to). */
const LABELLED: ReadonlySet<FieldKind> = new Set(["text", "checkbox"]);

/** One colour per recipient, each with white text at 4.5:1 or more (WCAG 1.4.3). */
const COLOURS = ["#1d70b8", "#00703c", "#b3261e", "#6f3c97", "#8a4b08", "#005a6e"] as const;
export const colourOf = (index: number) => COLOURS[index % COLOURS.length]!;

/** A drag shorter than this (CSS pixels) is a tap: the field gets its kind's usual size. */
const TAP = 6;
/** Points moved or resized per arrow key, and with Shift. */
const STEP = 1;
const BIG_STEP = 10;

export interface EditorRecipient {
  readonly key: number;
  /** 0-based position in the envelope's recipients (the API's `recipient` index). */
  readonly index: number;
  readonly email: string;
  /** A signer (here or on a partner instance): the only recipients who get fields. */
  readonly mayHaveFields: boolean;
}

type Drag =
  | { readonly mode: "create"; readonly pointerId: number; readonly start: { x: number; y: number } }
  | {
      readonly mode: "move" | "resize";
      readonly pointerId: number;
      readonly id: number;
      readonly handle?: Handle;
      readonly start: { x: number; y: number };
      readonly origin: ViewRect;
    };

export function FieldEditor({
  file,
  title,
  recipients,
  fields,
  onFieldsChange,
  pages,
  problems,
}: {
  readonly file: File;
  readonly title: string;
  readonly recipients: readonly EditorRecipient[];
  readonly fields: readonly PlacedField[];
  readonly onFieldsChange: (change: (fields: readonly PlacedField[]) => readonly PlacedField[]) => void;
  /** Filled in as pages are drawn: what the checks know of each page, and how many pages there are. */
  readonly pages: { facts: (PageFacts | undefined)[]; count: number };
  /** Messages about fields, by field id (the checks' findings). */
  readonly problems: ReadonlyMap<number, string>;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const n = (v: number) => formatNumber(v, language);
  const eligible = recipients.filter((r) => r.mayHaveFields);
  const [recipientKey, setRecipientKey] = useState<number | undefined>(eligible[0]?.key);
  const chosen = eligible.find((r) => r.key === recipientKey) ?? eligible[0];
  const [kind, setKind] = useState<FieldKind>("signature");
  const [selected, setSelected] = useState<number | undefined>();
  const [announcement, setAnnouncement] = useState("");
  const currentPage = useRef(1);
  const nextId = useRef(1);
  /** The viewport of each page drawn (at the scale it was last drawn). */
  const views = useRef(new Map<number, PageView>());
  const addButton = useRef<HTMLButtonElement>(null);

  const recipientOf = (key: number) => recipients.find((r) => r.key === key);
  const kindText = (k: FieldKind) => t(`fieldEditor.kinds.${k}`);
  const describe = (f: PlacedField) => {
    const r = recipientOf(f.recipientKey);
    return t("fieldEditor.box", {
      kind: kindText(f.kind),
      number: n((r?.index ?? 0) + 1),
      email: r?.email ?? "",
      page: n(f.page),
    });
  };

  const focusField = (id: number | undefined) =>
    requestAnimationFrame(() =>
      (id === undefined ? addButton.current : document.getElementById(`field-${id}`))?.focus(),
    );

  function place(view: PageView, box: ViewRect): void {
    if (!chosen) return;
    const id = nextId.current++;
    const field: PlacedField = {
      id,
      recipientKey: chosen.key,
      kind,
      page: view.number,
      rect: toPdfRect(view.viewport, box),
      label: "",
      required: kind !== "checkbox",
    };
    onFieldsChange((all) => [...all, field]);
    setSelected(id);
    setAnnouncement(
      t("fieldEditor.placed", { kind: kindText(kind), number: n(chosen.index + 1), page: n(view.number) }),
    );
    focusField(id);
  }

  /** Keyboard-only placement: on the page in view, a little lower and to the right of the fields already there. */
  function addAtDefault(): void {
    const view = views.current.get(currentPage.current) ?? views.current.get(1) ?? [...views.current.values()][0];
    if (!view) return;
    const scale = scaleOf(view.viewport);
    const already = fields.filter((f) => f.page === view.number).length % 10;
    const at = { x: (36 + already * 16) * scale, y: (36 + already * 28) * scale };
    place(view, boxAt(at, DEFAULT_SIZE[kind], scale, view.viewport.width, view.viewport.height));
  }

  function remove(id: number): void {
    const index = fields.findIndex((f) => f.id === id);
    const rest = fields.filter((f) => f.id !== id);
    onFieldsChange((all) => all.filter((f) => f.id !== id));
    setSelected(undefined);
    setAnnouncement(t("fieldEditor.removed"));
    focusField(rest[Math.min(index, rest.length - 1)]?.id);
  }

  const update = (id: number, change: Partial<PlacedField>) =>
    onFieldsChange((all) => all.map((f) => (f.id === id ? { ...f, ...change } : f)));

  const onView = useCallback(
    (view: PageView) => {
      views.current.set(view.number, view);
      pages.facts[view.number - 1] = {
        box: pageRect(view.viewport),
        signatures: view.signatures.map((s) => [
          Math.min(s[0], s[2]),
          Math.min(s[1], s[3]),
          Math.max(s[0], s[2]),
          Math.max(s[1], s[3]),
        ]),
      };
    },
    [pages],
  );

  const selectedField = fields.find((f) => f.id === selected);
  const overlay = (view: PageView) => (
    <FieldLayer
      view={view}
      onView={onView}
      fields={fields.filter((f) => f.page === view.number)}
      recipients={recipients}
      selected={selected}
      detail={(f) => {
        const r = recipientOf(f.recipientKey);
        return t("fieldEditor.boxDetail", { number: n((r?.index ?? 0) + 1), email: r?.email ?? "", page: n(f.page) });
      }}
      kindText={kindText}
      number={n}
      canPlace={chosen !== undefined}
      onCreate={(box, tap) =>
        place(
          view,
          tap
            ? boxAt(
                { x: box.left, y: box.top },
                DEFAULT_SIZE[kind],
                scaleOf(view.viewport),
                view.viewport.width,
                view.viewport.height,
              )
            : box,
        )
      }
      onChange={(id, change) =>
        onFieldsChange((all) =>
          all.map((f) =>
            f.id === id ? { ...f, rect: toPdfRect(view.viewport, change(toViewRect(view.viewport, f.rect))) } : f,
          ),
        )
      }
      onSelect={setSelected}
      onRemove={remove}
      problems={problems}
    />
  );

  return (
    <section className="field-editor" id="field-editor" aria-labelledby="field-editor-heading">
      {/* Focusable: the error summary's link for the server's refusal of a field goes here. */}
      <h2 id="field-editor-heading" tabIndex={-1}>
        {t("fieldEditor.heading")}
      </h2>
      <p className="hint">{t("fieldEditor.intro")}</p>
      <p className="hint" id="field-editor-keys">
        {t("fieldEditor.keys")}
      </p>
      {eligible.length === 0 ? (
        <p className="field-editor__note">{t("fieldEditor.noSigners")}</p>
      ) : (
        <>
          <ul className="field-editor__legend" aria-label={t("fieldEditor.legend")}>
            {eligible.map((r) => (
              <li key={r.key} data-legend-recipient={r.index}>
                <span className="field-editor__badge" style={{ backgroundColor: colourOf(r.index) }}>
                  {n(r.index + 1)}
                </span>{" "}
                <bdi dir="ltr">{r.email || t("fieldEditor.noEmail")}</bdi>{" "}
                <span className="field-editor__count">
                  {t("fieldEditor.count", { count: n(fields.filter((f) => f.recipientKey === r.key).length) })}
                </span>
              </li>
            ))}
          </ul>
          <div className="field-editor__toolbar">
            <div className="field">
              <label htmlFor="field-recipient">{t("fieldEditor.recipient")}</label>
              <select
                id="field-recipient"
                value={chosen ? String(chosen.index) : ""}
                onChange={(e) => setRecipientKey(eligible.find((r) => String(r.index) === e.target.value)?.key)}
              >
                {eligible.map((r) => (
                  <option key={r.key} value={String(r.index)}>
                    {t("fieldEditor.recipientOption", { number: n(r.index + 1), email: r.email })}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="field-kind">{t("fieldEditor.kind")}</label>
              <select id="field-kind" value={kind} onChange={(e) => setKind(e.target.value as FieldKind)}>
                {FIELD_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {kindText(k)}
                  </option>
                ))}
              </select>
            </div>
            <button
              type="button"
              className="button button--secondary"
              ref={addButton}
              data-action="add-field"
              onClick={addAtDefault}
            >
              {t("fieldEditor.add")}
            </button>
          </div>
        </>
      )}
      <div aria-live="polite" className="visually-hidden" data-field-announcement>
        {announcement}
      </div>
      <PdfViewer
        file={file}
        title={title}
        heading={t("fieldEditor.pages")}
        overlay={overlay}
        onCurrentPage={(p) => {
          currentPage.current = p;
        }}
        onPageCount={(count) => {
          pages.count = count;
        }}
      />
      {/* Below the pages: appearing above them would move the page under the pointer. */}
      {selectedField && (
        <fieldset className="fieldset field-editor__selected" data-selected-field={selectedField.id}>
          <legend className="fieldset__legend fieldset__legend--small">
            {t("fieldEditor.selected", { field: describe(selectedField) })}
          </legend>
          {selectedField.kind !== "signature" && (
            <div className="checkbox">
              <input
                id="field-required"
                type="checkbox"
                checked={selectedField.required}
                onChange={(e) => update(selectedField.id, { required: e.target.checked })}
              />
              <label htmlFor="field-required">{t("fieldEditor.required")}</label>
            </div>
          )}
          {LABELLED.has(selectedField.kind) && (
            <div className="field">
              <label htmlFor="field-label">{t("fieldEditor.label")}</label>
              <input
                id="field-label"
                dir="auto"
                maxLength={200}
                value={selectedField.label}
                onChange={(e) => update(selectedField.id, { label: e.target.value })}
              />
            </div>
          )}
          <button
            type="button"
            className="button button--warning"
            data-action="remove-field"
            onClick={() => remove(selectedField.id)}
          >
            {t("fieldEditor.remove")}
          </button>
        </fieldset>
      )}
      <h3>{t("fieldEditor.placedHeading")}</h3>
      {fields.length === 0 ? (
        <p>{t("fieldEditor.none")}</p>
      ) : (
        <ol className="field-editor__list">
          {fields.map((f) => {
            const r = recipientOf(f.recipientKey);
            return (
              <li key={f.id} data-field-item={f.id}>
                <span className="field-editor__badge" style={{ backgroundColor: colourOf(r?.index ?? 0) }}>
                  {n((r?.index ?? 0) + 1)}
                </span>{" "}
                {describe(f)}
                {problems.get(f.id) && <span className="field-error"> — {problems.get(f.id)}</span>}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

/** The layer over one drawn page: its fields, and the pointer and keyboard handling that places and edits them. */
function FieldLayer({
  view,
  onView,
  fields,
  recipients,
  selected,
  detail,
  kindText,
  number,
  canPlace,
  onCreate,
  onChange,
  onSelect,
  onRemove,
  problems,
}: {
  readonly view: PageView;
  readonly onView: (view: PageView) => void;
  readonly fields: readonly PlacedField[];
  readonly recipients: readonly EditorRecipient[];
  readonly selected: number | undefined;
  readonly detail: (f: PlacedField) => string;
  readonly kindText: (k: FieldKind) => string;
  readonly number: (v: number) => string;
  readonly canPlace: boolean;
  readonly onCreate: (box: ViewRect, tap: boolean) => void;
  /**
   * Reshapes a field: `change` is given the field's box as the editor has it now, not as it was last drawn, so that
   * key presses that come faster than the page is drawn each count.
   */
  readonly onChange: (id: number, change: (box: ViewRect) => ViewRect) => void;
  readonly onSelect: (id: number) => void;
  readonly onRemove: (id: number) => void;
  readonly problems: ReadonlyMap<number, string>;
}) {
  const layer = useRef<HTMLDivElement>(null);
  const drag = useRef<Drag | undefined>(undefined);
  const [ghost, setGhost] = useState<ViewRect | undefined>();
  const { viewport } = view;
  const scale = scaleOf(viewport);
  useEffect(() => onView(view), [view, onView]);
  // The viewer refits (a scroll bar appears, the window turns): a gesture under way was measured at the old scale, so
  // it ends. The layer itself stays mounted, so the field that has the keyboard keeps it (remounting the layer on a
  // new scale lost focus between two arrow key presses).
  // biome-ignore lint/correctness/useExhaustiveDependencies: the effect is the scale's change itself
  useEffect(() => {
    drag.current = undefined;
    setGhost(undefined);
  }, [viewport.scale]);

  const at = (e: ReactPointerEvent) => {
    const r = layer.current!.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };

  function startCreate(e: ReactPointerEvent<HTMLDivElement>) {
    if (e.target !== layer.current || !canPlace || e.button !== 0) return;
    e.preventDefault();
    layer.current.setPointerCapture(e.pointerId);
    drag.current = { mode: "create", pointerId: e.pointerId, start: at(e) };
  }

  function startEdit(e: ReactPointerEvent<HTMLElement>, f: PlacedField, handle?: Handle) {
    if (e.button !== 0) return;
    e.stopPropagation();
    e.preventDefault();
    onSelect(f.id);
    document.getElementById(`field-${f.id}`)?.focus();
    layer.current!.setPointerCapture(e.pointerId);
    drag.current = {
      mode: handle ? "resize" : "move",
      pointerId: e.pointerId,
      id: f.id,
      ...(handle && { handle }),
      start: at(e),
      origin: toViewRect(viewport, f.rect),
    };
  }

  function pointerMove(e: ReactPointerEvent<HTMLDivElement>) {
    const d = drag.current;
    if (!d || d.pointerId !== e.pointerId) return;
    const p = at(e);
    if (d.mode === "create") {
      setGhost(boxBetween(d.start, p, viewport.width, viewport.height));
      return;
    }
    const dx = p.x - d.start.x;
    const dy = p.y - d.start.y;
    // From where the gesture started: the pointer's position says where the box is, whatever came before.
    const box =
      d.mode === "move"
        ? moveWithin(d.origin, dx, dy, viewport.width, viewport.height)
        : resizeWithin(d.origin, d.handle!, dx, dy, MIN_SIDE * scale, viewport.width, viewport.height);
    onChange(d.id, () => box);
  }

  function pointerUp(e: ReactPointerEvent<HTMLDivElement>) {
    const d = drag.current;
    if (!d || d.pointerId !== e.pointerId) return;
    drag.current = undefined;
    setGhost(undefined);
    if (d.mode !== "create") return;
    const box = boxBetween(d.start, at(e), viewport.width, viewport.height);
    const tap = box.width < TAP && box.height < TAP;
    if (!tap && (box.width < MIN_SIDE * scale || box.height < MIN_SIDE * scale)) return;
    onCreate(tap ? { ...box, left: d.start.x, top: d.start.y } : box, tap);
  }

  function cancel() {
    drag.current = undefined;
    setGhost(undefined);
  }

  function key(e: ReactKeyboardEvent<HTMLElement>, f: PlacedField) {
    if (e.key === "Delete" || e.key === "Backspace") {
      e.preventDefault();
      onRemove(f.id);
      return;
    }
    const direction = ARROWS[e.key];
    if (!direction) return;
    e.preventDefault();
    const step = (e.shiftKey ? BIG_STEP : STEP) * scale;
    const [dx, dy] = [direction[0] * step, direction[1] * step];
    const resize = e.altKey;
    onChange(f.id, (box) =>
      resize
        ? resizeWithin(box, "se", dx, dy, MIN_SIDE * scale, viewport.width, viewport.height)
        : moveWithin(box, dx, dy, viewport.width, viewport.height),
    );
  }

  return (
    <div
      ref={layer}
      className={`field-layer${canPlace ? " field-layer--placing" : ""}`}
      data-page={view.number}
      data-transform={JSON.stringify(viewport.transform)}
      onPointerDown={startCreate}
      onPointerMove={pointerMove}
      onPointerUp={pointerUp}
      onPointerCancel={cancel}
    >
      {fields.map((f) => {
        const r = recipients.find((x) => x.key === f.recipientKey);
        const index = r?.index ?? 0;
        const box = toViewRect(viewport, f.rect);
        const problem = problems.get(f.id);
        return (
          // biome-ignore lint/a11y/useSemanticElements: a positioned box that is dragged, not a form button
          <div
            key={f.id}
            id={`field-${f.id}`}
            role="button"
            tabIndex={0}
            className={`field-box${f.id === selected ? " field-box--selected" : ""}${problem ? " field-box--problem" : ""}`}
            style={{
              left: box.left,
              top: box.top,
              width: box.width,
              height: box.height,
              borderColor: colourOf(index),
            }}
            aria-describedby="field-editor-keys"
            data-field-id={f.id}
            data-kind={f.kind}
            data-recipient-index={index}
            data-page={f.page}
            data-rect={JSON.stringify(f.rect)}
            onPointerDown={(e) => startEdit(e, f)}
            onFocus={() => onSelect(f.id)}
            onKeyDown={(e) => key(e, f)}
          >
            {/* The name is what shows (number, kind) and then whose and where, for screen readers (WCAG 2.5.3). */}
            <span className="field-box__label">
              <span className="field-box__number" style={{ backgroundColor: colourOf(index) }}>
                {number(index + 1)}
              </span>{" "}
              <span className="field-box__kind">{kindText(f.kind)}</span>
              <span className="visually-hidden">{detail(f)}</span>
            </span>
            {(["nw", "ne", "sw", "se"] as const).map((h) => (
              <span
                key={h}
                className={`field-box__handle field-box__handle--${h}`}
                data-handle={h}
                aria-hidden="true"
                onPointerDown={(e) => startEdit(e, f, h)}
              />
            ))}
          </div>
        );
      })}
      {ghost && (
        <div
          className="field-box field-box--ghost"
          style={{ left: ghost.left, top: ghost.top, width: ghost.width, height: ghost.height }}
        />
      )}
    </div>
  );
}

/** A field as the envelope page shows it: placed, whose (the recipient's index), and whether it is filled. */
export interface ShownField {
  readonly name: string;
  readonly kind: FieldKind;
  readonly page: number;
  readonly rect: readonly [number, number, number, number];
  readonly recipientIndex: number;
  /** The recipient signed: their revision filled the field (the outline lets the signature show through). */
  readonly done: boolean;
}

/**
 * The fields over a page of the envelope page's viewer, read-only: the editor's outlines, numbers and colours, so a
 * sender sees the document as they prepared it. Hidden from screen readers and from the pointer (text stays
 * selectable): the recipients' table says the same in words.
 */
export function FieldOutlines({
  view,
  fields,
  kindText,
  doneText,
}: {
  readonly view: PageView;
  readonly fields: readonly ShownField[];
  readonly kindText: (k: FieldKind) => string;
  readonly doneText: string;
}) {
  const language = useLanguage();
  const here = fields.filter((f) => f.page === view.number);
  if (here.length === 0) return null;
  return (
    <div
      className="field-layer field-layer--readonly"
      aria-hidden="true"
      data-page={view.number}
      data-transform={JSON.stringify(view.viewport.transform)}
    >
      {here.map((f) => {
        const box = toViewRect(view.viewport, f.rect);
        return (
          <div
            key={f.name}
            className={`field-box field-box--readonly${f.done ? " field-box--done" : ""}`}
            style={{
              left: box.left,
              top: box.top,
              width: box.width,
              height: box.height,
              borderColor: colourOf(f.recipientIndex),
            }}
            data-field={f.name}
            data-kind={f.kind}
            data-recipient-index={f.recipientIndex}
            data-done={f.done}
          >
            <span className="field-box__label">
              <span className="field-box__number" style={{ backgroundColor: colourOf(f.recipientIndex) }}>
                {formatNumber(f.recipientIndex + 1, language)}
              </span>{" "}
              <span className="field-box__kind">{f.done ? `${kindText(f.kind)} ✓ ${doneText}` : kindText(f.kind)}</span>
            </span>
          </div>
        );
      })}
    </div>
  );
}

const ARROWS: Readonly<Record<string, readonly [number, number]>> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};
