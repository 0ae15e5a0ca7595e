"""Certification of results (issue #17, CONTRACT §6.4): ``certify`` signs results off,
``reopen`` invalidates them when anything below changes, ``read`` shows them, ``public``
answers the public from what is certified, ``snapshots`` numbers each change it sees."""
