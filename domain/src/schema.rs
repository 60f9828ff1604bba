//! diesel table definitions, identical for SQLite and PostgreSQL.
#![allow(missing_docs)]

diesel::table! {
    roles (name) {
        name -> Text,
        description -> Text,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        active -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
        username -> Nullable<Text>,
        removed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    account_roles (account_id, role) {
        account_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        account_id -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        expires_at -> BigInt,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    sso_states (state_hash) {
        state_hash -> Text,
        binder_hash -> Text,
        next -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    sso_links (account_id, issuer) {
        account_id -> Text,
        issuer -> Text,
        subject -> Text,
        linked_at -> BigInt,
        last_sign_in_at -> BigInt,
    }
}

diesel::joinable!(sso_links -> accounts (account_id));

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        last_failure_at -> BigInt,
        locked_until -> BigInt,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> BigInt,
        actor_id -> Nullable<Text>,
        actor_email -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        details -> Text,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        event_id -> Text,
        topic -> Text,
        payload -> Text,
        created_at -> BigInt,
        delivered_at -> Nullable<BigInt>,
        attempts -> Integer,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    partner_types (code) {
        code -> Text,
        description -> Text,
        policy_required -> Bool,
        self_registrable -> Bool,
        portal_role -> Nullable<Text>,
        cert_domain -> Text,
        active -> Bool,
    }
}

diesel::table! {
    policy_groups (id) {
        id -> Text,
        name -> Text,
        description -> Text,
        active -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    partners (id) {
        id -> Text,
        account_id -> Text,
        organisation -> Text,
        partner_type -> Text,
        policy_group_id -> Nullable<Text>,
        email -> Text,
        phone -> Text,
        address -> Text,
        language -> Text,
        status -> Text,
        status_reason -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    partner_contacts (id) {
        id -> BigInt,
        partner_id -> Text,
        email -> Text,
        phone -> Text,
        created_at -> BigInt,
        created_by -> Nullable<Text>,
    }
}

diesel::table! {
    partner_status_history (id) {
        id -> BigInt,
        partner_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        actor_email -> Nullable<Text>,
        at -> BigInt,
    }
}

diesel::table! {
    partner_counts (status, partner_type) {
        status -> Text,
        partner_type -> Text,
        n -> BigInt,
    }
}

diesel::joinable!(account_roles -> accounts (account_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(partners -> accounts (account_id));
diesel::joinable!(partners -> partner_types (partner_type));
diesel::table! {
    policies (id) {
        id -> Text,
        policy_group_id -> Text,
        name -> Text,
        description -> Text,
        policy_type -> Text,
        status -> Text,
        document -> Text,
        draft_document -> Nullable<Text>,
        version -> Integer,
        valid_from -> Nullable<BigInt>,
        valid_to -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    policy_versions (policy_id, version) {
        policy_id -> Text,
        version -> Integer,
        document -> Text,
        valid_from -> BigInt,
        valid_to -> BigInt,
        published_at -> BigInt,
        published_by -> Nullable<Text>,
        published_by_email -> Nullable<Text>,
    }
}

diesel::table! {
    policy_counts (status, policy_type) {
        status -> Text,
        policy_type -> Text,
        n -> BigInt,
    }
}

diesel::joinable!(policies -> policy_groups (policy_group_id));
diesel::joinable!(policy_versions -> policies (policy_id));
diesel::joinable!(partners -> policy_groups (policy_group_id));
diesel::joinable!(partner_contacts -> partners (partner_id));
diesel::joinable!(partner_status_history -> partners (partner_id));
diesel::table! {
    ca_certificates (id) {
        id -> Text,
        cert_domain -> Text,
        kind -> Text,
        subject -> Text,
        issuer -> Text,
        serial -> Text,
        not_before -> BigInt,
        not_after -> BigInt,
        key_type -> Text,
        sig_alg -> Text,
        thumbprint -> Text,
        der -> Binary,
        issuer_id -> Nullable<Text>,
        active -> Bool,
        created_at -> BigInt,
        created_by -> Nullable<Text>,
        updated_at -> BigInt,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    partner_certificates (id) {
        id -> Text,
        partner_id -> Text,
        cert_domain -> Text,
        subject -> Text,
        issuer -> Text,
        serial -> Text,
        not_before -> BigInt,
        not_after -> BigInt,
        key_type -> Text,
        sig_alg -> Text,
        thumbprint -> Text,
        der -> Binary,
        resigned_der -> Binary,
        resigned_not_after -> BigInt,
        is_current -> Bool,
        created_at -> BigInt,
        created_by -> Nullable<Text>,
    }
}

diesel::table! {
    signing_cas (cert_domain) {
        cert_domain -> Text,
        der -> Binary,
        sealed_key -> Binary,
        not_after -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    device_subtypes (device_type, sub_type) {
        device_type -> Text,
        sub_type -> Text,
    }
}

diesel::table! {
    sbis (id) {
        id -> Text,
        partner_id -> Text,
        version -> Text,
        binary_hash -> Text,
        created_on -> BigInt,
        expires_on -> BigInt,
        status -> Text,
        reason -> Nullable<Text>,
        created_at -> BigInt,
        created_by -> Nullable<Text>,
        updated_at -> BigInt,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    devices (id) {
        id -> Text,
        partner_id -> Text,
        device_type -> Text,
        sub_type -> Text,
        make -> Text,
        model -> Text,
        status -> Text,
        reason -> Nullable<Text>,
        created_at -> BigInt,
        created_by -> Nullable<Text>,
        updated_at -> BigInt,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    device_sbis (device_id, sbi_id) {
        device_id -> Text,
        sbi_id -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    ftm_chips (id) {
        id -> Text,
        partner_id -> Text,
        make -> Text,
        model -> Text,
        status -> Text,
        reason -> Nullable<Text>,
        cert_der -> Nullable<Binary>,
        resigned_der -> Nullable<Binary>,
        cert_subject -> Nullable<Text>,
        cert_not_after -> Nullable<BigInt>,
        cert_thumbprint -> Nullable<Text>,
        created_at -> BigInt,
        created_by -> Nullable<Text>,
        updated_at -> BigInt,
        updated_by -> Nullable<Text>,
    }
}

diesel::joinable!(partner_certificates -> partners (partner_id));
diesel::joinable!(sbis -> partners (partner_id));
diesel::joinable!(devices -> partners (partner_id));
diesel::joinable!(ftm_chips -> partners (partner_id));
diesel::joinable!(device_sbis -> devices (device_id));
diesel::joinable!(device_sbis -> sbis (sbi_id));
diesel::table! {
    api_clients (id) {
        id -> Text,
        client_id -> Text,
        secret_hash -> Text,
        roles -> Text,
        active -> Bool,
        created_at -> BigInt,
        created_by -> Nullable<Text>,
        updated_at -> BigInt,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    jwt_keys (kid) {
        kid -> Text,
        sealed_key -> Binary,
        public_key -> Binary,
        created_at -> BigInt,
        retired_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    partner_credential_types (partner_id, credential_type) {
        partner_id -> Text,
        credential_type -> Text,
        policy_id -> Text,
        created_at -> BigInt,
        created_by -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    api_clients,
    jwt_keys,
    partner_credential_types,
    notifications,
    mail_queue,
    job_leases,
    decision_days,
    device_subtypes,
    sbis,
    devices,
    device_sbis,
    ftm_chips,
    ca_certificates,
    partner_certificates,
    signing_cas,
    roles,
    accounts,
    account_roles,
    password_resets,
    email_verifications,
    terms,
    terms_acceptances,
    two_factors,
    recovery_codes,
    sign_in_challenges,
    sessions,
    login_throttle,
    sso_states,
    sso_links,
    audit_log,
    outbox,
    partner_types,
    policy_groups,
    partners,
    partner_contacts,
    partner_status_history,
    partner_counts,
    policies,
    policy_versions,
    policy_counts,
    policy_requests,
    api_keys,
    service_tokens,
    oidc_clients,
    oidc_claim_mappings,
    oidc_acr_mappings,
    misp_licenses,
    event_subscriptions,
    event_deliveries,
    event_dead_letters,
    hub_topics,
    esignet_sync,
);
diesel::table! {
    policy_requests (id) {
        id -> Text,
        partner_id -> Text,
        policy_id -> Text,
        use_case -> Text,
        status -> Text,
        comment -> Nullable<Text>,
        created_at -> BigInt,
        created_by -> Nullable<Text>,
        updated_at -> BigInt,
        updated_by -> Nullable<Text>,
    }
}
diesel::table! {
    api_keys (id) {
        id -> Text,
        partner_id -> Text,
        policy_id -> Text,
        label -> Text,
        prefix -> Text,
        key_hash -> Text,
        valid_from -> BigInt,
        valid_to -> BigInt,
        status -> Text,
        created_at -> BigInt,
        created_by -> Nullable<Text>,
        updated_at -> BigInt,
        updated_by -> Nullable<Text>,
    }
}
diesel::table! {
    service_tokens (id) {
        id -> Text,
        name -> Text,
        prefix -> Text,
        token_hash -> Text,
        active -> Bool,
        created_at -> BigInt,
        created_by -> Nullable<Text>,
        updated_at -> BigInt,
        updated_by -> Nullable<Text>,
        topics -> Text,
    }
}
diesel::table! {
    oidc_clients (id) {
        id -> Text,
        partner_id -> Text,
        policy_id -> Text,
        name -> Text,
        logo_uri -> Text,
        redirect_uris -> Text,
        grant_types -> Text,
        auth_methods -> Text,
        public_key -> Text,
        claims -> Text,
        acr_values -> Text,
        status -> Text,
        created_at -> BigInt,
        created_by -> Nullable<Text>,
        updated_at -> BigInt,
        updated_by -> Nullable<Text>,
    }
}
diesel::table! {
    oidc_claim_mappings (attribute) {
        attribute -> Text,
        claim -> Text,
    }
}
diesel::table! {
    oidc_acr_mappings (auth_type) {
        auth_type -> Text,
        acr -> Text,
    }
}
diesel::table! {
    misp_licenses (id) {
        id -> Text,
        partner_id -> Text,
        policy_id -> Nullable<Text>,
        prefix -> Text,
        key_hash -> Text,
        valid_from -> BigInt,
        valid_to -> BigInt,
        status -> Text,
        created_at -> BigInt,
        created_by -> Nullable<Text>,
        updated_at -> BigInt,
        updated_by -> Nullable<Text>,
    }
}
diesel::joinable!(policy_requests -> partners (partner_id));
diesel::joinable!(policy_requests -> policies (policy_id));
diesel::joinable!(api_keys -> partners (partner_id));
diesel::joinable!(api_keys -> policies (policy_id));
diesel::joinable!(oidc_clients -> partners (partner_id));
diesel::joinable!(oidc_clients -> policies (policy_id));
diesel::joinable!(misp_licenses -> partners (partner_id));
diesel::table! {
    notifications (id) {
        id -> Text,
        account_id -> Text,
        partner_id -> Nullable<Text>,
        kind -> Text,
        entity_type -> Text,
        entity_id -> Text,
        dedup_key -> Text,
        title -> Text,
        body -> Text,
        link -> Text,
        due_at -> Nullable<BigInt>,
        read_at -> Nullable<BigInt>,
        dismissed_at -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}
diesel::table! {
    mail_queue (id) {
        id -> Text,
        notification_id -> Nullable<Text>,
        recipient -> Text,
        language -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        sent_at -> Nullable<BigInt>,
    }
}
diesel::table! {
    job_leases (name) {
        name -> Text,
        holder -> Text,
        lease_until -> BigInt,
        last_run_day -> Nullable<Text>,
        last_weekly -> Nullable<Text>,
    }
}
diesel::table! {
    decision_days (day, action) {
        day -> BigInt,
        action -> Text,
        n -> BigInt,
    }
}
diesel::joinable!(notifications -> accounts (account_id));
diesel::table! {
    event_subscriptions (id) {
        id -> Text,
        kind -> Text,
        topic -> Text,
        callback -> Text,
        secret -> Nullable<Binary>,
        token_id -> Nullable<Text>,
        state -> Text,
        verify_mode -> Nullable<Text>,
        verify_secret -> Nullable<Binary>,
        verify_lease -> Nullable<BigInt>,
        verify_attempts -> Integer,
        lease_seconds -> BigInt,
        lease_ends_at -> Nullable<BigInt>,
        cursor -> BigInt,
        attempts -> Integer,
        first_failure_at -> Nullable<BigInt>,
        next_attempt_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        last_delivery_at -> Nullable<BigInt>,
        delivered_count -> BigInt,
        failure_count -> BigInt,
        claim_owner -> Nullable<Text>,
        claim_until -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}
diesel::table! {
    event_deliveries (id) {
        id -> BigInt,
        subscription_id -> Text,
        outbox_id -> BigInt,
        event_id -> Text,
        attempt -> Integer,
        ok -> Bool,
        status -> Nullable<Integer>,
        error -> Nullable<Text>,
        latency_ms -> BigInt,
        at -> BigInt,
        next_try_at -> Nullable<BigInt>,
        first_outbox_id -> Nullable<BigInt>,
        events -> Integer,
    }
}
diesel::table! {
    event_dead_letters (id) {
        id -> Text,
        subscription_id -> Text,
        outbox_id -> BigInt,
        event_id -> Text,
        topic -> Text,
        payload -> Text,
        attempts -> Integer,
        error -> Text,
        dead_at -> BigInt,
        requeued_at -> Nullable<BigInt>,
        redelivered_at -> Nullable<BigInt>,
    }
}
diesel::table! {
    hub_topics (subscription_id, topic) {
        subscription_id -> Text,
        topic -> Text,
        registered_at -> BigInt,
    }
}
diesel::table! {
    esignet_sync (client_id) {
        client_id -> Text,
        latest_outbox_id -> BigInt,
        synced_outbox_id -> Nullable<BigInt>,
        synced_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        updated_at -> BigInt,
    }
}
diesel::table! {
    email_verifications (token_hash) {
        token_hash -> Text,
        partner_id -> Text,
        email -> Text,
        purpose -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}
diesel::table! {
    password_resets (token_hash) {
        token_hash -> Text,
        account_id -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
        requested_by -> Nullable<Text>,
    }
}
diesel::table! {
    terms (version) {
        version -> Integer,
        body -> Text,
        published_at -> BigInt,
        published_by -> Text,
    }
}
diesel::table! {
    terms_acceptances (account_id, version) {
        account_id -> Text,
        version -> Integer,
        accepted_at -> BigInt,
    }
}
diesel::table! {
    two_factors (account_id) {
        account_id -> Text,
        secret_sealed -> Binary,
        created_at -> BigInt,
        confirmed_at -> Nullable<BigInt>,
        last_step -> BigInt,
    }
}
diesel::table! {
    recovery_codes (code_hash) {
        code_hash -> Text,
        account_id -> Text,
        created_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}
diesel::table! {
    sign_in_challenges (token_hash) {
        token_hash -> Text,
        account_id -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        failures -> Integer,
    }
}
diesel::joinable!(two_factors -> accounts (account_id));
diesel::joinable!(recovery_codes -> accounts (account_id));
diesel::joinable!(sign_in_challenges -> accounts (account_id));
diesel::joinable!(password_resets -> accounts (account_id));
diesel::joinable!(terms_acceptances -> accounts (account_id));
diesel::joinable!(terms_acceptances -> terms (version));
diesel::joinable!(event_deliveries -> event_subscriptions (subscription_id));
diesel::joinable!(event_dead_letters -> event_subscriptions (subscription_id));
