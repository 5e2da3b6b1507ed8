"""Stockholmstinget's call for sessions: proposals, blind review, decisions.

Anyone with a verified account proposes a session for an edition whose call is open; staff
review and score it in admin; an accepted proposal becomes a draft programme session with its
speakers. Proposals are personal data: only the proposer and staff see them.
"""
