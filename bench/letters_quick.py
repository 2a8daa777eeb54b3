"""Letters: drafting and rendering n letters, against raw WeasyPrint, on one and two processes.

A first measurement script, not yet a harness benchmark:
`N=60 .venv/bin/python -m bench.letters_quick`.
"""

import os
import time

from weasyprint import CSS, HTML

from foiatrack.adapters.pdf import WeasyPrintRenderer, html_document
from foiatrack.domain.letters.context import frame_from_context, sample_context
from foiatrack.domain.letters.document import parse_markdown
from foiatrack.domain.letters.frame import frame_to_html
from foiatrack.domain.letters.templates import load_template_dir, render_letter_source
from foiatrack.tasks import render_many


def main() -> None:
    spec = next(s for s in load_template_dir() if s.slug == "ring_request")
    n = int(os.environ.get("N", "60"))
    ctx = sample_context()
    start = time.perf_counter()
    frames = []
    for i in range(n):
        ctx["agency"]["name"] = f"Agency {i} Police Department"
        rendered = render_letter_source(spec.body_source, spec.subject, ctx)
        frames.append(
            frame_from_context(ctx, subject=rendered.subject, body=parse_markdown(rendered.body))
        )
    draft = time.perf_counter() - start
    pdf = WeasyPrintRenderer()
    pdf.render(frames[0])  # warm the caches, as a running app has them
    start = time.perf_counter()
    for frame in frames:
        pdf.render(frame)
    app_pdf = (time.perf_counter() - start) / n
    documents = [html_document(frame_to_html(f), title=f.subject) for f in frames]
    css = CSS(filename="letter_templates/_print/letter.css")
    start = time.perf_counter()
    for document in documents:
        HTML(string=document).write_pdf(stylesheets=[css], presentational_hints=True)
    raw_pdf = (time.perf_counter() - start) / n
    start = time.perf_counter()
    list(render_many(frames, workers=1))
    one = time.perf_counter() - start
    start = time.perf_counter()
    list(render_many(frames, workers=2))
    two = time.perf_counter() - start
    print(
        f"n={n} draft {draft / n * 1000:.1f} ms/letter; app PDF {app_pdf * 1000:.0f} ms "
        f"vs raw WeasyPrint {raw_pdf * 1000:.0f} ms (ratio {app_pdf / raw_pdf:.2f}); "
        f"PDF+DOCX 1 process {one:.1f} s, 2 processes {two:.1f} s "
        f"(speed-up {one / two:.2f}x)"
    )


if __name__ == "__main__":
    main()
