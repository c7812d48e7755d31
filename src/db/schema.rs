// One schema for both backends. Keep in step with migrations/sqlite and migrations/postgres;
// tests/api/schema.rs checks that both migration sets give these tables and columns.

diesel::table! {
    organisations (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        registration_number -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Nullable<Text>,
        display_name -> Text,
        role -> Text,
        organisation_id -> Nullable<BigInt>,
        email_verified_at -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
        token_version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family_id -> Text,
        token_hash -> Text,
        token_version -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    one_time_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    client_actions (id) {
        id -> BigInt,
        action -> Text,
        address -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        email -> Text,
        address -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbound_emails (id) {
        id -> BigInt,
        dedup_key -> Text,
        user_id -> Nullable<BigInt>,
        to_address -> Text,
        category -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_checkpoints (id) {
        id -> BigInt,
        day -> Date,
        created_at -> Timestamp,
        up_to -> Timestamp,
        streams -> BigInt,
        events -> BigInt,
        digest -> Text,
    }
}

diesel::table! {
    audit_heads (stream) {
        stream -> Text,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        stream -> Text,
        seq -> BigInt,
        actor_user_id -> Nullable<BigInt>,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        details -> Text,
        public -> Bool,
        created_at -> Timestamp,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    provisions (id) {
        id -> BigInt,
        code -> Text,
        title -> Text,
        legal_reference -> Text,
        summary -> Text,
        max_trial_months -> Integer,
        retired_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    zones (id) {
        id -> BigInt,
        name -> Text,
        lpa_code -> Text,
        lpa_name -> Text,
        climate_emergency_declared_on -> Nullable<Date>,
        is_open -> Bool,
        window_opens_on -> Nullable<Date>,
        window_closes_on -> Nullable<Date>,
        min_community_ownership_pct -> Double,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    zone_provisions (zone_id, provision_id) {
        zone_id -> BigInt,
        provision_id -> BigInt,
    }
}

diesel::table! {
    reference_counters (year) {
        year -> Integer,
        last_value -> Integer,
    }
}

diesel::table! {
    applications (id) {
        id -> BigInt,
        reference -> Nullable<Text>,
        author_id -> BigInt,
        organisation_id -> Nullable<BigInt>,
        applicant_kind -> Nullable<Text>,
        status -> Text,
        resume_status -> Nullable<Text>,
        title -> Text,
        summary -> Nullable<Text>,
        intervention -> Nullable<Text>,
        zone_id -> Nullable<BigInt>,
        site_address -> Nullable<Text>,
        site_postcode -> Nullable<Text>,
        postcode_district -> Nullable<Text>,
        proposed_start_date -> Nullable<Date>,
        proposed_duration_months -> Nullable<Integer>,
        estimated_annual_co2e_tonnes -> Nullable<Double>,
        community_ownership_pct -> Nullable<Double>,
        innovation_statement -> Nullable<Text>,
        need_for_derogation -> Nullable<Text>,
        safeguards -> Nullable<Text>,
        exit_plan -> Nullable<Text>,
        assigned_inspector_id -> Nullable<BigInt>,
        submitted_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        decision -> Nullable<Text>,
        decision_reasons -> Nullable<Text>,
        trial_start_date -> Nullable<Date>,
        trial_end_date -> Nullable<Date>,
        started_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        paused_since -> Nullable<Timestamp>,
        paused_seconds -> BigInt,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        target_decision_on -> Nullable<Date>,
        needs_review -> Bool,
    }
}

diesel::table! {
    requested_derogations (id) {
        id -> BigInt,
        application_id -> BigInt,
        provision_id -> BigInt,
        justification -> Text,
        scope -> Text,
        granted -> Bool,
        granted_limits -> Nullable<Text>,
        granted_until -> Nullable<Date>,
    }
}

diesel::table! {
    screenings (id) {
        id -> BigInt,
        application_id -> BigInt,
        criterion -> Text,
        outcome -> Text,
        note -> Text,
        screened_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    information_requests (id) {
        id -> BigInt,
        application_id -> BigInt,
        question -> Text,
        due_on -> Date,
        requested_by -> BigInt,
        requested_at -> Timestamp,
        answer -> Nullable<Text>,
        answered_by -> Nullable<BigInt>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    information_request_attachments (id) {
        id -> BigInt,
        information_request_id -> BigInt,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        bytes -> Binary,
        created_at -> Timestamp,
        sent_with -> Text,
        public -> Bool,
    }
}

diesel::table! {
    conditions (id) {
        id -> BigInt,
        application_id -> BigInt,
        category -> Text,
        description -> Text,
        metric -> Text,
        target_value -> Double,
        unit -> Text,
        due_on -> Date,
        status -> Text,
        status_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        scheduler_check_on -> Nullable<Date>,
    }
}

diesel::table! {
    milestones (id) {
        id -> BigInt,
        application_id -> BigInt,
        kind -> Text,
        title -> Text,
        due_on -> Date,
        status -> Text,
        report -> Nullable<Text>,
        reported_at -> Nullable<Timestamp>,
        review_note -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        scheduler_check_on -> Nullable<Date>,
    }
}

diesel::table! {
    enforcement_actions (id) {
        id -> BigInt,
        application_id -> BigInt,
        kind -> Text,
        reasons -> Text,
        new_end_date -> Nullable<Date>,
        actor_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    evaluations (id) {
        id -> BigInt,
        application_id -> BigInt,
        outcomes -> Text,
        lessons -> Text,
        reported_annual_co2e_tonnes -> Nullable<Double>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    recommendations (id) {
        id -> BigInt,
        evaluation_id -> BigInt,
        application_id -> BigInt,
        provision_id -> BigInt,
        recommendation -> Text,
        rationale -> Text,
    }
}

diesel::table! {
    evidence (id) {
        id -> BigInt,
        application_id -> BigInt,
        condition_id -> BigInt,
        submitted_by -> BigInt,
        body -> Text,
        reported_value -> Nullable<Double>,
        file_name -> Nullable<Text>,
        file_type -> Nullable<Text>,
        file_size -> Nullable<BigInt>,
        file_sha256 -> Nullable<Text>,
        outcome -> Text,
        feedback -> Nullable<Text>,
        reviewed_by -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    evidence_files (evidence_id) {
        evidence_id -> BigInt,
        data -> Binary,
    }
}

diesel::table! {
    attestations (id) {
        id -> BigInt,
        application_id -> BigInt,
        condition_id -> BigInt,
        evidence_id -> Nullable<BigInt>,
        user_id -> BigInt,
        stance -> Text,
        comment -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    observations (id) {
        id -> BigInt,
        application_id -> BigInt,
        author_id -> BigInt,
        kind -> Text,
        body -> Text,
        visibility -> Text,
        published_body -> Nullable<Text>,
        moderation_reason -> Nullable<Text>,
        moderated_by -> Nullable<BigInt>,
        moderated_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        held_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    observation_reports (id) {
        id -> BigInt,
        observation_id -> BigInt,
        reporter_id -> BigInt,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    observation_replies (id) {
        id -> BigInt,
        observation_id -> BigInt,
        author_id -> BigInt,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> BigInt,
        user_id -> BigInt,
        application_id -> Nullable<BigInt>,
        zone_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notification_opt_outs (user_id, category) {
        user_id -> BigInt,
        category -> Text,
    }
}

diesel::table! {
    web_sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        csrf_token -> Text,
        token_version -> Integer,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        user_agent -> Nullable<Text>,
        flash -> Nullable<Text>,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(web_sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(one_time_tokens -> users (user_id));
diesel::joinable!(outbound_emails -> users (user_id));
diesel::joinable!(applications -> zones (zone_id));
diesel::joinable!(applications -> organisations (organisation_id));
diesel::joinable!(requested_derogations -> applications (application_id));
diesel::joinable!(requested_derogations -> provisions (provision_id));
diesel::joinable!(zone_provisions -> zones (zone_id));
diesel::joinable!(zone_provisions -> provisions (provision_id));
diesel::joinable!(screenings -> applications (application_id));
diesel::joinable!(information_requests -> applications (application_id));
diesel::joinable!(information_request_attachments -> information_requests (information_request_id));
diesel::joinable!(conditions -> applications (application_id));
diesel::joinable!(milestones -> applications (application_id));
diesel::joinable!(enforcement_actions -> applications (application_id));
diesel::joinable!(evaluations -> applications (application_id));
diesel::joinable!(recommendations -> provisions (provision_id));
diesel::joinable!(evidence -> conditions (condition_id));
diesel::joinable!(evidence_files -> evidence (evidence_id));
diesel::joinable!(attestations -> conditions (condition_id));
diesel::joinable!(observation_replies -> observations (observation_id));
diesel::joinable!(observation_reports -> observations (observation_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    refresh_tokens,
    one_time_tokens,
    client_actions,
    login_failures,
    outbound_emails,
    audit_events,
    audit_heads,
    audit_checkpoints,
    provisions,
    zones,
    zone_provisions,
    reference_counters,
    applications,
    requested_derogations,
    screenings,
    information_requests,
    information_request_attachments,
    conditions,
    milestones,
    enforcement_actions,
    evaluations,
    recommendations,
    evidence,
    evidence_files,
    attestations,
    observations,
    observation_replies,
    observation_reports,
    subscriptions,
    notification_opt_outs,
    web_sessions,
);
