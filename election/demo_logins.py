"""Print the demo logins (used by `make run`)."""

import os

from election.services.demo import logins_text

if __name__ == "__main__":
    print(logins_text())
    print(f"Mở http://127.0.0.1:{os.environ.get('PORT', '8000')}/login")
