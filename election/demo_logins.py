"""Print the demo logins (used by `make run`)."""

from election.services.demo import logins_text

if __name__ == "__main__":
    print(logins_text())
    print("Mở http://127.0.0.1:8000/login")
