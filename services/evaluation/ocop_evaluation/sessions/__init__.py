"""Council sessions: members, applications, score sheets, decisions, the commune step."""
