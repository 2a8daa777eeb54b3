"""Letters: templates rendered in a sandbox into one structured body, then HTML, PDF and DOCX."""
