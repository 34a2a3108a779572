/**
 * How the signer's signature looks (issue 13.2): the mark — the name typed in the shipped face, drawn with a mouse,
 * pen or finger, or an uploaded PNG/JPEG — and, for a Japanese official, a seal generated from the family name or
 * an uploaded image. Images are checked here against the server's limits (1 MiB, PNG or JPEG by their signature)
 * before anything is sent; the server checks again (and bounds the pixels).
 */
import { type PointerEvent as ReactPointerEvent, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  type ImageProblem,
  imageProblem,
  MAX_IMAGE_BYTES,
  MAX_SEAL_CHARACTERS,
  type MarkChoice,
  type SealChoice,
} from "../lib/signing-choices.js";
import { FieldErrorMessage } from "./error-summary.js";
import { controlAria, FormField } from "./form-field.js";
import { RadioGroup } from "./radio-group.js";
import { SCRIPT_FAMILY, useScriptFace } from "./signature-preview.js";

type MarkKind = MarkChoice["kind"];

export function SignatureLook({
  name,
  familyName,
  mark,
  seal,
  sealOffered,
  errors,
  onMark,
  onSeal,
}: {
  readonly name: string;
  /** The family name a generated seal starts with. */
  readonly familyName: string;
  readonly mark: MarkChoice;
  readonly seal: SealChoice;
  /** Whether the signer may add a seal (a Japanese official). */
  readonly sealOffered: boolean;
  /** Messages by field id: mark-drawn, mark-image, seal-name, seal-image. */
  readonly errors: Readonly<Record<string, string | undefined>>;
  readonly onMark: (mark: MarkChoice) => void;
  readonly onSeal: (seal: SealChoice) => void;
}) {
  const { t } = useTranslation();
  useScriptFace();
  const [imageError, setImageError] = useState<Record<string, ImageProblem | undefined>>({});

  async function readImage(file: File | undefined, which: "mark" | "seal") {
    if (!file) return;
    // The size is checked before the file is read at all; then its first bytes say whether it is a PNG or JPEG.
    const bytes = file.size > MAX_IMAGE_BYTES ? undefined : new Uint8Array(await file.arrayBuffer());
    const problem = bytes ? imageProblem(bytes) : "too_large";
    setImageError((e) => ({ ...e, [which]: problem }));
    const image = problem ? undefined : bytes;
    if (which === "mark") onMark({ kind: "image", image });
    else onSeal({ kind: "image", image });
  }
  const problemText = (p: ImageProblem | undefined) => (p ? t(`sign.look.imageProblem.${p}`) : undefined);
  // The mark's picture and the seal's: the file read here, or the server's word on the one sent.
  const imageField = (which: "mark" | "seal", label: string) => {
    const id = `${which}-image`;
    const error = problemText(imageError[which]) ?? errors[id];
    return (
      <FormField id={id} label={label} hint={t("sign.look.imageHint")} error={error}>
        <input
          id={id}
          type="file"
          accept="image/png,image/jpeg"
          {...controlAria(id, error, true)}
          onChange={(e) => void readImage(e.target.files?.[0], which)}
        />
      </FormField>
    );
  };
  const markKinds: MarkKind[] = ["typed", "drawn", "image"];
  const sealKinds: SealChoice["kind"][] = ["none", "generated", "image"];
  return (
    <section className="panel signature-look" aria-labelledby="look-heading" data-signature-look>
      <h2 id="look-heading">{t("sign.look.heading")}</h2>
      <fieldset className="fieldset">
        <legend className="fieldset__legend">{t("sign.look.mark")}</legend>
        <RadioGroup
          name="mark"
          inline
          options={markKinds}
          value={mark.kind}
          label={(k) => t(`sign.look.markKinds.${k}`)}
          onChange={(k) =>
            onMark(
              k === "typed"
                ? { kind: "typed" }
                : k === "drawn"
                  ? { kind: "drawn", png: undefined }
                  : { kind: "image", image: undefined },
            )
          }
        />
        {mark.kind === "typed" && (
          <p className="signature-look__typed" style={{ fontFamily: `${SCRIPT_FAMILY}, cursive` }} data-typed-mark>
            <bdi>{name}</bdi>
          </p>
        )}
        {mark.kind === "drawn" && (
          <DrawingPad
            error={errors["mark-drawn"]}
            onChange={(png) => onMark({ kind: "drawn", png })}
            label={t("sign.look.drawLabel")}
            hint={t("sign.look.drawHint")}
            clear={t("sign.look.clear")}
          />
        )}
        {mark.kind === "image" && imageField("mark", t("sign.look.markImage"))}
      </fieldset>
      {sealOffered && (
        <fieldset className="fieldset">
          <legend className="fieldset__legend">{t("sign.look.seal")}</legend>
          <RadioGroup
            name="seal"
            inline
            options={sealKinds}
            value={seal.kind}
            label={(k) => t(`sign.look.sealKinds.${k}`)}
            onChange={(k) =>
              onSeal(
                k === "none"
                  ? { kind: "none" }
                  : k === "generated"
                    ? { kind: "generated", familyName }
                    : { kind: "image", image: undefined },
              )
            }
          />
          {seal.kind === "generated" && (
            <FormField
              id="seal-name"
              label={t("sign.look.familyName")}
              hint={t("sign.look.familyNameHint", { count: MAX_SEAL_CHARACTERS })}
              error={errors["seal-name"]}
            >
              <input
                id="seal-name"
                className="input--short"
                dir="auto"
                value={seal.familyName}
                onChange={(e) =>
                  onSeal({ kind: "generated", familyName: [...e.target.value].slice(0, MAX_SEAL_CHARACTERS).join("") })
                }
                {...controlAria("seal-name", errors["seal-name"], true)}
              />
            </FormField>
          )}
          {seal.kind === "image" && imageField("seal", t("sign.look.sealImage"))}
        </fieldset>
      )}
    </section>
  );
}

/**
 * A pad to draw the signature on: pointer events, so a mouse, a pen and a finger all draw (the pad takes the touch,
 * `touch-action: none`, so drawing does not scroll the page); a pen's pressure widens the line. Exported as a PNG
 * with a transparent background after each stroke.
 */
function DrawingPad({
  onChange,
  label,
  hint,
  clear,
  error,
}: {
  readonly onChange: (png: Uint8Array | undefined) => void;
  readonly label: string;
  readonly hint: string;
  readonly clear: string;
  readonly error?: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const drawing = useRef<{ x: number; y: number } | undefined>(undefined);
  const [inked, setInked] = useState(false);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    // Device pixels for a sharp line; the box is as wide as the column allows.
    const ratio = window.devicePixelRatio || 1;
    const box = c.getBoundingClientRect();
    c.width = Math.max(1, Math.round(box.width * ratio));
    c.height = Math.max(1, Math.round(box.height * ratio));
  }, []);

  const point = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const sx = e.currentTarget.width / box.width;
    const sy = e.currentTarget.height / box.height;
    return { x: (e.clientX - box.left) * sx, y: (e.clientY - box.top) * sy };
  };
  const line = (from: { x: number; y: number }, to: { x: number; y: number }, pressure: number) => {
    const ctx = canvas.current?.getContext("2d");
    if (!ctx) return;
    const ratio = window.devicePixelRatio || 1;
    ctx.strokeStyle = "rgb(13 38 115)";
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.lineWidth = 2.5 * ratio * (pressure > 0 && pressure !== 0.5 ? 0.6 + pressure : 1);
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x + 0.01, to.y);
    ctx.stroke();
  };
  const finish = () => {
    if (!drawing.current) return;
    drawing.current = undefined;
    canvas.current?.toBlob((blob) => {
      if (blob) void blob.arrayBuffer().then((b) => onChange(new Uint8Array(b)));
    }, "image/png");
  };

  return (
    <div className={`field${error ? " field--error" : ""}`}>
      <p className="label" id="pad-label">
        {label}
      </p>
      <p className="hint" id="pad-hint">
        {hint}
      </p>
      <FieldErrorMessage id="mark-drawn-error" message={error} />
      <canvas
        ref={canvas}
        id="mark-drawn"
        className="drawing-pad"
        role="img"
        aria-labelledby="pad-label"
        aria-describedby="pad-hint"
        data-drawing-pad
        data-inked={inked}
        onPointerDown={(e) => {
          e.preventDefault();
          e.currentTarget.setPointerCapture(e.pointerId);
          const p = point(e);
          drawing.current = p;
          line(p, p, e.pressure);
          setInked(true);
        }}
        onPointerMove={(e) => {
          if (!drawing.current) return;
          const p = point(e);
          line(drawing.current, p, e.pressure);
          drawing.current = p;
        }}
        onPointerUp={finish}
        onPointerCancel={finish}
      />
      <button
        type="button"
        className="button button--secondary"
        data-action="clear-drawing"
        onClick={() => {
          const c = canvas.current;
          c?.getContext("2d")?.clearRect(0, 0, c.width, c.height);
          setInked(false);
          onChange(undefined);
        }}
      >
        {clear}
      </button>
    </div>
  );
}
