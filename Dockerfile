# kiemdiem: the checker, with the tools later stages use (Tesseract with Vietnamese, LibreOffice, Poppler, Redis).
FROM python:3.11-slim-bookworm
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends \
      tesseract-ocr tesseract-ocr-vie libreoffice-writer-nogui poppler-utils redis-server \
      fonts-liberation2 fonts-dejavu-core tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY rules rules
COPY parsers parsers
COPY reports reports
COPY worker worker
COPY service service
COPY templates templates
COPY templating templating
COPY ocr ocr
COPY omr omr
RUN pip install --no-cache-dir .
ENV KIEMDIEM_DATA_DIR=/data \
    OMP_THREAD_LIMIT=1
VOLUME ["/data"]
# tini reaps the LibreOffice processes a timed-out PDF export kills.
ENTRYPOINT ["tini", "--", "kiemdiem"]
CMD ["forms"]
