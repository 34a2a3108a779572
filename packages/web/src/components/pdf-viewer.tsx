/**
 * The document as it is now, drawn by PDF.js (pdfjs-dist) page by page on canvases. The worker is a file of this
 * origin that Vite emits (`?url`), as the Content-Security-Policy allows (`worker-src 'self' blob:`); eval is off
 * (`script-src 'self'`). The pages are pictures, so the download link beside the viewer is the text alternative.
 */
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLanguage } from "../language.js";
import { isolate } from "../lib/bidi.js";
import { formatNumber } from "../lib/format-date.js";

const MAX_PAGES = 30;

async function loadPdfJs() {
  const [pdfjs, worker] = await Promise.all([import("pdfjs-dist"), import("pdfjs-dist/build/pdf.worker.min.mjs?url")]);
  pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
  return pdfjs;
}

export function PdfViewer({ url, title }: { readonly url: string; readonly title: string }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const container = useRef<HTMLElement>(null);
  const [state, setState] = useState<"loading" | "ready" | "failed">("loading");
  const [pages, setPages] = useState(0);

  useEffect(() => {
    let cancelled = false;
    const target = container.current;
    let destroy: (() => Promise<void>) | undefined;
    (async () => {
      const pdfjs = await loadPdfJs();
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data = new Uint8Array(await response.arrayBuffer());
      const task = pdfjs.getDocument({ data, isEvalSupported: false });
      destroy = () => task.destroy();
      const pdf = await task.promise;
      if (cancelled || !target) return;
      target.replaceChildren();
      const count = Math.min(pdf.numPages, MAX_PAGES);
      for (let n = 1; n <= count; n++) {
        const page = await pdf.getPage(n);
        if (cancelled) return;
        const viewport = page.getViewport({ scale: 1.5 });
        const canvas = document.createElement("canvas");
        canvas.width = Math.floor(viewport.width);
        canvas.height = Math.floor(viewport.height);
        canvas.className = "pdf-viewer__page";
        canvas.setAttribute("role", "img");
        canvas.setAttribute(
          "aria-label",
          t("viewer.page", { number: formatNumber(n, language), count: formatNumber(pdf.numPages, language) }),
        );
        target.append(canvas);
        await page.render({ canvas, viewport }).promise;
      }
      setPages(pdf.numPages);
      setState("ready");
    })().catch((e) => {
      if (!cancelled) {
        console.warn("PDF viewer:", e);
        setState("failed");
      }
    });
    return () => {
      cancelled = true;
      void destroy?.();
    };
  }, [url, t, language]);

  return (
    <section className="pdf-viewer" aria-labelledby="viewer-heading">
      <h2 id="viewer-heading">{t("viewer.heading")}</h2>
      <div aria-live="polite" className="status">
        {state === "loading" && <p>{t("viewer.loading")}</p>}
        {state === "failed" && <p>{t("viewer.failed")}</p>}
        {state === "ready" && pages > MAX_PAGES && (
          <p>{t("viewer.truncated", { count: formatNumber(MAX_PAGES, language) })}</p>
        )}
      </div>
      <section
        className="pdf-viewer__pages"
        ref={container}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (WCAG 2.1.1)
        tabIndex={0}
        aria-label={t("viewer.region", { title: isolate(title) })}
        data-pages={pages}
      />
    </section>
  );
}
