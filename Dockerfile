# ocrops in one image: the API (`ocrops serve`) and the Celery workers (`ocrops worker`).
# Built by compose.yaml; on its own: docker build -t ocrops . && docker run -p 8000:8000 ocrops
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OCROPS_HOME=/data

# Tesseract's language data (English, orientation and script detection); tesserocr's wheel
# brings libtesseract itself. libglib2.0-0 for OpenCV.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr-eng tesseract-ocr-osd libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install ".[postgres]"

RUN useradd --create-home --uid 10001 ocrops && mkdir -p /data && chown ocrops /data
USER ocrops
VOLUME ["/data"]
EXPOSE 8000
CMD ["ocrops", "serve", "--host", "0.0.0.0", "--port", "8000"]
