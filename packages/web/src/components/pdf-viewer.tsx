/**
 * The document as it is now, drawn by PDF.js (pdfjs-dist). Each page is a canvas with PDF.js's text layer over it
 * (transparent text in place: select, copy, find in page, screen readers), drawn when it scrolls near the view, so a
 * document of hundreds of pages costs only what is read. Zoom (steps and fit to width) and page navigation sit in a
 * toolbar. The pages always run left to right as the PDF lays them out (`dir="ltr"`): on an Arabic page the viewer
 * must not inherit right-to-left, which scrambles the text layer's runs.
 *
 * A page can carry an overlay (`overlay`, the field editor's layer) drawn by React over the canvas and text layer,
 * with the page's pdf.js viewport at the current scale, so that what is placed on it can be converted to user space.
 *
 * The worker is a file of this origin that Vite emits (`?url`), as the Content-Security-Policy allows (`worker-src
 * 'self' blob:`); eval is off (`script-src 'self'`).
 */
import type { PageViewport, PDFDocumentProxy, PDFPageProxy } from "pdfjs-dist";
import { type CSSProperties, type ReactNode, useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLanguage } from "../language.js";
import { isolate } from "../lib/bidi.js";
import { formatNumber } from "../lib/format-date.js";

/** Zoom steps offered by − and +, as fractions of the page's size in points (1 = 72 dpi). */
const ZOOM_STEPS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3] as const;
/** Pages drawn ahead of the view, in viewport heights. */
const LOOKAHEAD = "200% 0px";

async function loadPdfJs() {
  const [pdfjs, worker] = await Promise.all([import("pdfjs-dist"), import("pdfjs-dist/build/pdf.worker.min.mjs?url")]);
  pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
  return pdfjs;
}

type PdfJs = Awaited<ReturnType<typeof loadPdfJs>>;

interface LoadedDocument {
  readonly pdfjs: PdfJs;
  readonly pdf: PDFDocumentProxy;
  /** Page 1's size in points: the placeholder size of pages not drawn yet. */
  readonly firstPage: { readonly width: number; readonly height: number };
}

/** A drawn page as an overlay sees it. */
export interface PageView {
  readonly number: number;
  /** pdf.js's viewport of the page at the viewer's scale (CSS pixels). */
  readonly viewport: PageViewport;
  /** The rectangles (user space) of the signature fields already in the page. */
  readonly signatures: readonly (readonly [number, number, number, number])[];
}

export function PdfViewer({
  url,
  file,
  title,
  heading,
  overlay,
  onCurrentPage,
  onPageCount,
}: {
  /** Where the document is (this origin), or … */
  readonly url?: string;
  /** … the document itself (a file being uploaded; the CSP allows no fetch of a blob: URL). */
  readonly file?: Blob;
  readonly title: string;
  /** The section's heading, if not "The document". */
  readonly heading?: string;
  /** Drawn over each page once it is drawn. */
  readonly overlay?: (page: PageView) => ReactNode;
  readonly onCurrentPage?: (n: number) => void;
  readonly onPageCount?: (n: number) => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const pagesRef = useRef<HTMLElement>(null);
  const [doc, setDoc] = useState<LoadedDocument | undefined>();
  const [failed, setFailed] = useState(false);
  const [scale, setScale] = useState<number | undefined>();
  const [current, setCurrent] = useState(1);
  const [pageInput, setPageInput] = useState("1");

  useEffect(() => {
    let cancelled = false;
    let destroy: (() => Promise<void>) | undefined;
    (async () => {
      const pdfjs = await loadPdfJs();
      let data: Uint8Array;
      if (file) data = new Uint8Array(await file.arrayBuffer());
      else {
        const response = await fetch(url ?? "", { credentials: "same-origin" });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        data = new Uint8Array(await response.arrayBuffer());
      }
      const task = pdfjs.getDocument({ data, isEvalSupported: false });
      destroy = () => task.destroy();
      const pdf = await task.promise;
      const first = (await pdf.getPage(1)).getViewport({ scale: 1 });
      if (!cancelled) setDoc({ pdfjs, pdf, firstPage: { width: first.width, height: first.height } });
    })().catch((e) => {
      if (!cancelled) {
        console.warn("PDF viewer:", e);
        setFailed(true);
      }
    });
    return () => {
      cancelled = true;
      void destroy?.();
    };
  }, [url, file]);

  useEffect(() => onCurrentPage?.(current), [current, onCurrentPage]);
  useEffect(() => {
    if (doc) onPageCount?.(doc.pdf.numPages);
  }, [doc, onPageCount]);

  /** The scale at which page 1 fills the width of the viewer. */
  const fitWidth = useCallback(() => {
    // The viewer's own width: the pages region is not displayed while it has no page yet (:empty).
    const box = pagesRef.current?.parentElement;
    if (!doc || !box) return 1;
    const available = box.clientWidth - 32; // the pages region's padding
    return Math.max(0.25, Math.min(4, available / doc.firstPage.width));
  }, [doc]);

  useEffect(() => {
    if (doc && scale === undefined) setScale(Math.min(fitWidth(), 1.5));
  }, [doc, scale, fitWidth]);

  const count = doc?.pdf.numPages ?? 0;
  const goTo = (n: number) => {
    const page = pagesRef.current?.querySelector<HTMLElement>(`[data-page="${n}"]`);
    page?.scrollIntoView({ block: "start" });
    setCurrent(n);
    setPageInput(String(n));
  };
  const zoom = (direction: 1 | -1) => {
    const now = scale ?? 1;
    const next =
      direction > 0 ? ZOOM_STEPS.find((s) => s > now + 0.01) : [...ZOOM_STEPS].reverse().find((s) => s < now - 0.01);
    if (next) setScale(next);
  };

  // The page most in view is the current one. (The pages appear once the scale is known, hence that dependency.)
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-observe the pages drawn at a new scale
  useEffect(() => {
    const box = pagesRef.current;
    if (!doc || !box) return;
    const observer = new IntersectionObserver(
      (entries) => {
        const seen = entries.filter((e) => e.isIntersecting).sort((a, b) => b.intersectionRatio - a.intersectionRatio);
        const n = Number((seen[0]?.target as HTMLElement | undefined)?.dataset.page);
        if (n) {
          setCurrent(n);
          setPageInput(String(n));
        }
      },
      { root: box, threshold: [0.25, 0.5, 0.75] },
    );
    for (const page of box.querySelectorAll("[data-page]")) observer.observe(page);
    return () => observer.disconnect();
  }, [doc, scale]);

  const number = (n: number) => formatNumber(n, language);
  return (
    <section className="pdf-viewer" aria-labelledby="viewer-heading">
      <h2 id="viewer-heading">{heading ?? t("viewer.heading")}</h2>
      <div aria-live="polite" className="status">
        {!doc && !failed && <p>{t("viewer.loading")}</p>}
        {failed && <p>{t("viewer.failed")}</p>}
      </div>
      {doc && scale !== undefined && (
        <div className="pdf-viewer__toolbar" role="toolbar" aria-label={t("viewer.toolbar")}>
          <div className="pdf-viewer__group">
            <button type="button" className="button button--secondary" onClick={() => zoom(-1)}>
              <span aria-hidden="true">−</span>
              <span className="visually-hidden">{t("viewer.zoomOut")}</span>
            </button>
            <output className="pdf-viewer__zoom" aria-label={t("viewer.zoom")} data-zoom={Math.round(scale * 100)}>
              {formatNumber(Math.round(scale * 100), language)}%
            </output>
            <button type="button" className="button button--secondary" onClick={() => zoom(1)}>
              <span aria-hidden="true">+</span>
              <span className="visually-hidden">{t("viewer.zoomIn")}</span>
            </button>
            <button type="button" className="button button--secondary" onClick={() => setScale(fitWidth())}>
              {t("viewer.fitWidth")}
            </button>
          </div>
          {/* Not a form: the viewer sits inside the new envelope's form, and forms do not nest. */}
          <div className="pdf-viewer__group">
            <button
              type="button"
              className="button button--secondary"
              disabled={current <= 1}
              onClick={() => goTo(current - 1)}
            >
              {t("viewer.previous")}
            </button>
            <label htmlFor="viewer-page">{t("viewer.pageLabel")}</label>
            <input
              id="viewer-page"
              className="pdf-viewer__page-input"
              inputMode="numeric"
              value={pageInput}
              onChange={(e) => setPageInput(e.target.value.replace(/[^0-9٠-٩]/g, ""))}
              onBlur={() => setPageInput(String(current))}
              onKeyDown={(event) => {
                if (event.key !== "Enter") return;
                event.preventDefault();
                const n = Number(pageInput);
                if (Number.isInteger(n) && n >= 1 && n <= count) goTo(n);
                else setPageInput(String(current));
              }}
              aria-describedby="viewer-count"
            />
            <span id="viewer-count">{t("viewer.of", { count: number(count) })}</span>
            <button
              type="button"
              className="button button--secondary"
              disabled={current >= count}
              onClick={() => goTo(current + 1)}
            >
              {t("viewer.next")}
            </button>
          </div>
        </div>
      )}
      <section
        className="pdf-viewer__pages"
        ref={pagesRef}
        dir="ltr"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (WCAG 2.1.1)
        tabIndex={0}
        aria-label={t("viewer.region", { title: isolate(title) })}
        data-pages={count}
      >
        {doc &&
          scale !== undefined &&
          Array.from({ length: count }, (_, i) => (
            <PdfPage
              // biome-ignore lint/suspicious/noArrayIndexKey: a page's number is its identity
              key={i + 1}
              doc={doc}
              number={i + 1}
              scale={scale}
              label={t("viewer.page", { number: number(i + 1), count: number(count) })}
              root={pagesRef}
              overlay={overlay}
            />
          ))}
      </section>
    </section>
  );
}

/** One page: a placeholder of the right size until it nears the view, then its canvas and text layer. */
function PdfPage({
  doc,
  number,
  scale,
  label,
  root,
  overlay,
}: {
  readonly doc: LoadedDocument;
  readonly number: number;
  readonly scale: number;
  readonly label: string;
  readonly root: React.RefObject<HTMLElement | null>;
  readonly overlay?: (page: PageView) => ReactNode;
}) {
  const box = useRef<HTMLElement>(null);
  const drawing = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<PageView | undefined>();
  // Whether there is an overlay (not which function draws it): then the page's viewport and signatures are kept.
  const wantsView = overlay !== undefined;
  const [size, setSize] = useState(doc.firstPage);
  const [near, setNear] = useState(false);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const observer = new IntersectionObserver((entries) => setNear(entries.some((e) => e.isIntersecting)), {
      root: root.current,
      rootMargin: LOOKAHEAD,
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [root]);

  useEffect(() => {
    const element = drawing.current;
    if (!near || !element) return;
    let cancelled = false;
    let page: PDFPageProxy | undefined;
    let renderTask: { cancel(): void; promise: Promise<void> } | undefined;
    let textLayer: { cancel(): void } | undefined;
    (async () => {
      page = await doc.pdf.getPage(number);
      if (cancelled) return;
      const viewport = page.getViewport({ scale });
      const unscaled = page.getViewport({ scale: 1 });
      setSize({ width: unscaled.width, height: unscaled.height });
      if (wantsView) {
        const annotations = (await page.getAnnotations()) as { fieldType?: string; rect?: number[] }[];
        if (cancelled) return;
        const signatures = annotations
          .filter((a) => a.fieldType === "Sig" && a.rect?.length === 4)
          .map((a) => a.rect as unknown as readonly [number, number, number, number]);
        setView({ number, viewport, signatures });
      }
      // Sharp on high-density screens: the canvas has device pixels, its box CSS pixels.
      const ratio = window.devicePixelRatio || 1;
      const canvas = document.createElement("canvas");
      canvas.className = "pdf-viewer__canvas";
      canvas.width = Math.floor(viewport.width * ratio);
      canvas.height = Math.floor(viewport.height * ratio);
      canvas.setAttribute("aria-hidden", "true");
      const text = document.createElement("div");
      text.className = "textLayer";
      renderTask = page.render({
        canvas,
        viewport,
        transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0],
      });
      await renderTask.promise;
      if (cancelled) return;
      const layer = new doc.pdfjs.TextLayer({ textContentSource: page.streamTextContent(), container: text, viewport });
      textLayer = layer;
      await layer.render();
      if (cancelled) return;
      element.replaceChildren(canvas, text);
      if (box.current) box.current.dataset.rendered = "true";
    })().catch((e: unknown) => {
      if (!cancelled && (e as { name?: string }).name !== "RenderingCancelledException") console.warn("PDF page:", e);
    });
    return () => {
      cancelled = true;
      renderTask?.cancel();
      textLayer?.cancel();
      page?.cleanup();
    };
  }, [near, doc, number, scale, wantsView]);

  const style = {
    "--scale-factor": scale,
    "--total-scale-factor": scale,
    "--scale-round-x": "1px",
    "--scale-round-y": "1px",
    inlineSize: `${Math.floor(size.width * scale)}px`,
    blockSize: `${Math.floor(size.height * scale)}px`,
  } as CSSProperties;
  return (
    <figure ref={box} className="pdf-viewer__page" data-page={number} aria-label={label} style={style}>
      <div ref={drawing} className="pdf-viewer__drawing" />
      {overlay && view && view.viewport.scale === scale && overlay(view)}
    </figure>
  );
}
