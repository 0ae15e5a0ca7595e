"""Print the demo logins (used by `make run`); with --code, the demo one-time code now."""

import os
import sys

from election.services.setup.demo import current_totp_code, logins_text

if __name__ == "__main__":
    if "--code" in sys.argv[1:]:
        print(current_totp_code())
    else:
        print(logins_text(int(os.environ.get("YEAR", "2021"))))
        print(f"Mở http://127.0.0.1:{os.environ.get('PORT', '8000')}/login")
