"""Setup workbooks and voter rolls uploaded on the pages: checked, previewed, applied by a job."""
