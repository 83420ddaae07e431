"""The outward faces of Syllabus: the CLI now; HTTP and the web page later."""
