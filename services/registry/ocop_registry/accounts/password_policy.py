"""Pure: which passwords an account may not have.

Length alone lets `123456789012` and `Password123!` through. zxcvbn (Dropbox's estimator, kept
on PyPI) ships the 30,000 most common passwords of public breach corpora (Xato's 10 million),
English words, names and keyboard patterns, and estimates how many guesses a password needs;
below score 3 (about 10^8 guesses) a password falls to an offline guesser, so it is refused.
A password holding the user name is refused too: it is the first thing a guesser tries.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_SCORE = 3


def password_problem(password: str, username: str) -> tuple[str, str] | None:
    """Why `password` may not be used by `username` (Vietnamese, English), or None if it may."""
    if username.lower() in password.lower():
        return (
            "Mật khẩu không được chứa tên đăng nhập",
            "The password must not contain the user name",
        )
    if zxcvbn(password, user_inputs=[username])["score"] < MIN_SCORE:
        return (
            "Mật khẩu quá phổ biến hoặc dễ đoán (có trong danh sách mật khẩu bị lộ, "
            "hoặc ghép từ từ thông dụng và mẫu bàn phím); hãy dùng một câu dài hơn",
            "The password is too common or easy to guess (on lists of breached passwords, "
            "or built from common words and keyboard patterns); use a longer phrase",
        )
    return None
