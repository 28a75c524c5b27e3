"""Helpers for Hotline's interop tests: a SIP message tool, raw SIP peers, SIPp and server runners."""
