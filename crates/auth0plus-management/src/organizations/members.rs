//! An organization's members and a member's roles in it: two [`Relation`]s.

use auth0plus_management_api::{ListOperation, Paging};

use super::Organization;
use crate::relation::{Relation, RelationSpec};
use crate::resource::Record;
use crate::roles::{Role, RoleRecord};

/// A member as `GET /organizations/{id}/members` lists it: `user_id`,
/// `email`, `name`, `picture`, and `roles` when asked for with
/// `.param("fields", "user_id,roles")`.
pub type Member = auth0plus_management_api::models::OrganizationMember;

/// `/organizations/{id}/members`: offset paging reaches only the first
/// 1,000 members, so lists walk the checkpoint (`from`/`take`).
// How many user ids one call may carry is not documented; 100 is the
// cautious figure the other relations use.
static MEMBERS: RelationSpec = RelationSpec::new(
    "members",
    <auth0plus_management_api::organizations::ListOrganizationMembers as ListOperation>::PAGING,
);

/// `/organizations/{id}/members/{user_id}/roles`: offset paging.
static MEMBER_ROLES: RelationSpec = RelationSpec::new("roles", Paging::OFFSET);

impl Record<Organization> {
    /// The organization's members: `add`/`remove` user ids, `query()` the
    /// members (every one of them: past 1,000 the list walks the checkpoint).
    ///
    /// ```no_run
    /// # async fn run(org: auth0plus_management::Record<auth0plus_management::Organization>)
    /// # -> auth0plus_management::Result<()> {
    /// org.members().add(["auth0|1", "auth0|2"]).await?;
    /// let count = org.members().query().count().await?;
    /// # let _ = count; Ok(()) }
    /// ```
    pub fn members(&self) -> Relation<Member> {
        Relation::of_record(self, &["members"], &MEMBERS, |member: Member| member)
    }

    /// The roles member `user_id` has in this organization (roles given in
    /// an organization apply only to logins through it): `add`/`remove` role
    /// ids, `query()` them as role records, like `user.roles()`. The user
    /// must be a member.
    ///
    /// ```no_run
    /// # async fn run(org: auth0plus_management::Record<auth0plus_management::Organization>)
    /// # -> auth0plus_management::Result<()> {
    /// org.member_roles("auth0|1").add(["rol_0123456789abcdef"]).await?;
    /// for role in org.member_roles("auth0|1").query().fetch_all().await? {
    ///     println!("{}", role.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn member_roles(&self, user_id: &str) -> Relation<RoleRecord> {
        let auth0 = self.auth0().clone();
        Relation::of_record(
            self,
            &["members", user_id, "roles"],
            &MEMBER_ROLES,
            move |role: Role| Record::fetched(auth0.clone(), role),
        )
    }
}
